// Past calculations, as a calculator keeps them. When a drawing that was calculated is cleared (or replaced
// by one from the history), its expression, its answer, its strokes and the writer's corrections of their
// reading are kept, newest first, so a result
// can be read again after the next calculation and a drawing can be brought back to be corrected or reused.
// Kept in localStorage like the drawing itself, and read back the same way: as untrusted input, where
// anything that is not a plausible entry is dropped.

import {checkedDrawing, readStored, storedDrawing} from './saved-drawing.js';

const KEY = 'inkcalc.history';
const FORMAT = 1;
/** Entries kept; older ones are forgotten. A calculator's tape, not an archive. */
export const MAX_ENTRIES = 20;
/** Points of one entry's drawing: a long expression has a few thousand. A drawing with more is not kept,
 * so twenty entries stay far inside the few megabytes a browser grants a site. */
export const MAX_ENTRY_POINTS = 20_000;
/** Characters of an expression or an answer; a longer one is not ours (the pipeline caps its symbols). */
const MAX_TEXT = 5_000;

/**
 * `entries` with `entry` ({expression, answer, strokes, corrections}) put first; an earlier entry with the same
 * expression and answer goes (writing the same sum twice keeps one line). Unchanged when the entry's drawing
 * is too large to keep.
 */
export function withEntry(entries, entry) {
  if (pointCount(entry.strokes) > MAX_ENTRY_POINTS) return entries;
  const kept = {expression: entry.expression, answer: entry.answer,
                ...storedDrawing(entry.strokes, entry.corrections ?? [])};
  const others = entries.filter((e) => e.expression !== kept.expression || e.answer !== kept.answer);
  return [kept, ...others].slice(0, MAX_ENTRIES);
}

/**
 * Keep `entries` for the next visit; none forgets the kept ones. When the browser refuses the space, the
 * oldest entries are dropped until the rest fit. Returns false when even that fails (storage disabled): the
 * history on the page is untouched, it just will not survive a reload.
 */
export function saveHistory(entries, storage = globalThis.localStorage) {
  try {
    if (entries.length === 0) {
      storage.removeItem(KEY);
      return true;
    }
  } catch {
    return false;
  }
  for (let count = entries.length; count > 0; count--) {
    try {
      storage.setItem(KEY, JSON.stringify({format: FORMAT, entries: entries.slice(0, count)}));
      return true;
    } catch {
      // too large for what is left of the quota, or storage refused: try with fewer
    }
  }
  return false;
}

/** The entries saved by saveHistory, or [] when there are none or they are not a history this page kept. */
export function loadHistory(storage = globalThis.localStorage) {
  const saved = readStored(KEY, storage);
  if (saved?.format !== FORMAT || !Array.isArray(saved.entries) || saved.entries.length > MAX_ENTRIES) return [];
  const entries = [];
  for (const entry of saved.entries) {
    const drawing = checkedDrawing(entry);
    if (!isText(entry?.expression) || !isText(entry?.answer) || !drawing?.strokes.length ||
        pointCount(drawing.strokes) > MAX_ENTRY_POINTS) return [];
    entries.push({expression: entry.expression, answer: entry.answer, ...drawing});
  }
  return entries;
}

function isText(value) {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT;
}

function pointCount(strokes) {
  return strokes.reduce((total, stroke) => total + stroke.points.length / 2, 0);
}
