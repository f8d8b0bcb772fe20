// What the writer said a symbol is outlives the reading it was said of. Every new stroke reads the whole
// drawing again, and so do an undo, a reload and a drawing brought back from the history: without this, a
// steep `/` corrected from `1` would turn back into a `1` as soon as the `=` after it is written.
//
// A correction belongs to ink, not to a position in the expression (writing before a symbol shifts every
// index after it) and not to a place on the surface (the next expression is written where the last one was).
// It names the strokes under the symbol's box and the box itself; a symbol of a later reading takes it only
// when it covers the same strokes with the same box. Strokes are named by their content, so a drawing saved
// and loaded again, or recalled from the history, still matches, and an undo that brings the strokes back
// brings the correction back with them.

/** Corrections remembered at most: the newest win. More than any drawing has symbols. */
export const MAX_CORRECTIONS = 64;
/** A box edge may move this share of the box's larger side (plus BOX_SLACK_PX) and still be the same box:
 * the same ink is read at a slightly different scale after the surface is resized. */
const BOX_TOLERANCE = 0.15;
const BOX_SLACK_PX = 1;
/** Strokes one correction may name; a symbol's box covers a few. */
const MAX_STROKES = 64;
/** Longest symbol text a correction may hold (the picker offers single symbols). */
const MAX_CHAR = 4;

const strokeNames = new WeakMap();

/**
 * The correction that says the symbol in `box` (stroke coordinates: [x0, y0, x1, y1]) is `char`, raised or
 * not, for the strokes of `strokes` that it covers.
 */
export function correctionOf(box, strokes, char, raised) {
  return {box: box.map(round), strokes: strokesUnder(box, strokes), char, raised: Boolean(raised)};
}

/** `corrections` with `correction` first; an older one of the same symbol goes. */
export function withCorrection(corrections, correction) {
  const others = corrections.filter((c) => !sameSymbol(c, correction.box, correction.strokes));
  return [correction, ...others].slice(0, MAX_CORRECTIONS);
}

/**
 * The reading `symbols` (boxes in stroke coordinates, or null) with `corrections` applied: `{chars, raised,
 * applied}`, where `applied` counts the symbols whose char or raised changed.
 */
export function applyCorrections(symbols, boxes, strokes, corrections) {
  const chars = symbols.map((symbol) => symbol.char);
  const raised = symbols.map((symbol) => Boolean(symbol.raised));
  let applied = 0;
  if (!corrections.length) return {chars, raised, applied};
  symbols.forEach((symbol, i) => {
    const box = boxes[i];
    if (!box) return;
    const under = strokesUnder(box, strokes);
    const correction = corrections.find((c) => sameSymbol(c, box, under));
    if (!correction) return;
    if (chars[i] !== correction.char || raised[i] !== correction.raised) applied++;
    chars[i] = correction.char;
    raised[i] = correction.raised;
  });
  return {chars, raised, applied};
}

/** The corrections whose strokes are all in `strokes`: the ones worth keeping with that drawing. */
export function correctionsFor(strokes, corrections) {
  const present = new Set(strokes.map(strokeName));
  return corrections.filter((c) => c.strokes.every((name) => present.has(name)));
}

/** `value` as corrections if it is a plausible list of them (read from storage), else []. */
export function checkedCorrections(value) {
  if (!Array.isArray(value) || value.length > MAX_CORRECTIONS) return [];
  const plausible = value.every((c) =>
    Array.isArray(c?.box) && c.box.length === 4 && c.box.every(Number.isFinite) &&
    Array.isArray(c.strokes) && c.strokes.length > 0 && c.strokes.length <= MAX_STROKES &&
    c.strokes.every((name) => typeof name === 'string' && /^[0-9a-f]{8}$/.test(name)) &&
    typeof c.char === 'string' && c.char.length > 0 && c.char.length <= MAX_CHAR &&
    typeof c.raised === 'boolean');
  return plausible ? value.map(({box, strokes, char, raised}) => ({box, strokes, char, raised})) : [];
}

function sameSymbol(correction, box, strokes) {
  return boxesAgree(correction.box, box) && correction.strokes.length === strokes.length &&
    correction.strokes.every((name, i) => name === strokes[i]);
}

function boxesAgree(a, b) {
  const side = Math.max(a[2] - a[0], a[3] - a[1], b[2] - b[0], b[3] - b[1]);
  const tolerance = BOX_TOLERANCE * side + BOX_SLACK_PX;
  return a.every((v, i) => Math.abs(v - b[i]) <= tolerance);
}

/** The names of the strokes with a point inside `box`, sorted (a set, comparable as a list). */
function strokesUnder([x0, y0, x1, y1], strokes) {
  const names = new Set();
  for (const stroke of strokes) {
    const {points} = stroke;
    for (let i = 0; i < points.length; i += 2) {
      if (points[i] >= x0 && points[i] <= x1 && points[i + 1] >= y0 && points[i + 1] <= y1) {
        names.add(strokeName(stroke));
        break;
      }
    }
  }
  return [...names].sort().slice(0, MAX_STROKES);
}

/** A stroke's name: a hash of it as saved-drawing.js stores it (to hundredths of a pixel), so a stroke
 * saved and loaded again has the same name. */
function strokeName(stroke) {
  let name = strokeNames.get(stroke);
  if (name === undefined) {
    name = fnv1a(`${round(stroke.width)}:${stroke.points.map(round).join(',')}`);
    strokeNames.set(stroke, name);
  }
  return name;
}

/** 32-bit FNV-1a, as eight hex digits. */
function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

function round(value) {
  return Math.round(value * 100) / 100;
}
