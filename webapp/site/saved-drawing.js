// The drawing outlives the page. A phone browser discards a background tab, a pull-to-refresh reloads the
// page, an installed app is closed and opened again: each time, what was written comes back. Only the
// strokes and the writer's corrections of their reading are kept (a few kilobytes, in localStorage), not the
// undo history and not an opened photo, which can be megabytes and is still wherever it came from.
//
// Saved data is read as untrusted input: it may come from an older build, a hand-edited store or a
// truncated write. Anything that is not a plausible drawing is dropped as a whole, never half-restored;
// corrections that are not plausible are dropped, and the drawing is read afresh.

import {checkedCorrections, correctionsFor} from './corrections.js';

const KEY = 'inkcalc.drawing';
const FORMAT = 1;
/** More points than a page of dense writing; a store holding more is not ours to draw. */
const MAX_POINTS = 200_000;
/** Stroke widths and coordinates are CSS pixels; anything beyond this is not from a real surface. */
const MAX_COORDINATE = 100_000;

/**
 * Keep `strokes` ({width, points}[], as InkCanvas holds them) and the corrections.js corrections of their
 * symbols for the next visit; an empty drawing forgets the saved one. Returns false when the browser refuses
 * storage (disabled, or full): the drawing on the page is untouched, it just will not survive a reload.
 */
export function saveDrawing(strokes, corrections = [], storage = globalThis.localStorage) {
  try {
    if (strokes.length === 0) {
      storage.removeItem(KEY);
    } else {
      storage.setItem(KEY, JSON.stringify({format: FORMAT, ...storedDrawing(strokes, corrections)}));
    }
    return true;
  } catch {
    return false;
  }
}

/** The {strokes, corrections} saved by saveDrawing; no strokes when there are none or they are not a drawing
 * this page made. */
export function loadDrawing(storage = globalThis.localStorage) {
  const saved = readStored(KEY, storage);
  return checkedDrawing(saved?.format === FORMAT ? saved : null) ?? {strokes: [], corrections: []};
}

/** A drawing as it is stored: compact strokes, and only the corrections of symbols among them. */
export function storedDrawing(strokes, corrections) {
  const kept = correctionsFor(strokes, corrections);
  return {strokes: compactStrokes(strokes), ...(kept.length ? {corrections: kept} : {})};
}

/** `value` ({strokes, corrections}) as a drawing, or null when its strokes are not a plausible drawing. */
export function checkedDrawing(value) {
  const strokes = checkedStrokes(value?.strokes);
  return strokes && {strokes, corrections: checkedCorrections(value.corrections)};
}

/** The JSON stored under `key`, or null when there is none, it is not JSON, or the browser refuses storage. */
export function readStored(key, storage) {
  try {
    return JSON.parse(storage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

/** Strokes as they are stored: hundredths of a CSS pixel, far below what a pointer resolves, and a third of
 * the text. */
export function compactStrokes(strokes) {
  return strokes.map(({width, points}) => ({width: round(width), points: points.map(round)}));
}

/** `value` as strokes ({width, points}[]) if it is a plausible drawing this page made, else null. */
export function checkedStrokes(value) {
  if (!Array.isArray(value)) return null;
  let total = 0;
  for (const stroke of value) {
    const points = stroke?.points;
    if (!isCoordinate(stroke?.width) || !(stroke.width > 0) || !Array.isArray(points) ||
        points.length < 2 || points.length % 2 !== 0 || !points.every(isCoordinate)) return null;
    total += points.length / 2;
    if (total > MAX_POINTS) return null;
  }
  return value.map(({width, points}) => ({width, points}));
}

function isCoordinate(value) {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_COORDINATE;
}

function round(value) {
  return Math.round(value * 100) / 100;
}
