// The drawing surface. Strokes are kept as vectors in CSS pixels, so the ink can be redrawn crisply at any
// devicePixelRatio, undone and redone, and rendered again at the recognizer's working scale.
//
// When the surface becomes too small for the ink (a phone turned to landscape), the ink is shown scaled down
// by a view factor instead of being cut off; the stored strokes are never changed, so the ink is back at its
// own size when the surface grows again.
//
// Events (an InkCanvas is an EventTarget):
//   strokeStart     a pen, finger or mouse touched down (the writer is still busy)
//   strokesChanged  the drawing changed: detail {reason: 'draw'|'erase'|'undo'|'redo'|'clear'|'recall'|'restore'|
//                   'resize', count} ('erase': a scratch-out removed strokes; 'recall': a drawing from the
//                   history replaced it; 'restore': a drawing from an earlier visit came back; 'resize': the
//                   surface changed so that the ink moved on screen)

/** Height of the image handed to the recognizer; the width follows the surface's aspect ratio. */
export const WORK_HEIGHT = 256;

// The pen is a fixed fraction of the surface height, so writing "fills" a phone and a desktop surface alike
// and the recognizer sees the same stroke-width-to-symbol-size ratio. Pressure is ignored on purpose: uniform
// strokes are what the classifier was trained on.
const PEN_FRACTION = 0.02;
const PEN_MIN = 3;
const PEN_MAX = 12;

// A scratch-out erases, as in handwriting calculators: a stroke that zigzags or loops back over itself so
// much that its path is at least SCRATCH_TANGLE times the longer side of its box, drawn over earlier strokes
// that lie at least SCRATCH_COVER inside its box. The centre lines of the first 3000 MNIST test digits (all
// their strokes together) reach at most 4.2, 99% of them under 3.5; a 0 written one and a half times round is
// about 4.7, a zigzag of five passes over a symbol 5 or more. The same tangle over blank surface stays ink,
// and the recognizer reports it as unreadable.
const SCRATCH_TANGLE = 4.5;
const SCRATCH_COVER = 0.6;

/** Pen width in CSS pixels for a surface of the given height. */
export function penWidthFor(surfaceHeight) {
  return Math.min(PEN_MAX, Math.max(PEN_MIN, surfaceHeight * PEN_FRACTION));
}

export class InkCanvas extends EventTarget {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    super();
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.strokes = [];      // committed strokes: {width, points: [x0, y0, x1, y1, …]} in CSS pixels at view 1
    this.undoStack = [];    // earlier `strokes` arrays; stroke objects are shared, never copied
    this.redoStack = [];
    this.active = null;     // {pointerId, pointerType, stroke, rect} while a pen, finger or mouse is down
    this.size = {width: 0, height: 0};
    this.dpr = 1;
    this.view = 1;          // on-screen CSS pixels per stored pixel, ≤ 1
    this.inkColor = '#000'; // read from CSS at each full redraw, not on every pointer move

    canvas.addEventListener('pointerdown', (e) => this.#down(e));
    canvas.addEventListener('pointermove', (e) => this.#move(e));
    canvas.addEventListener('pointerup', (e) => this.#up(e));
    canvas.addEventListener('pointercancel', (e) => this.#up(e));
    canvas.addEventListener('lostpointercapture', (e) => this.#up(e));
    // Touch-and-hold would otherwise open a context menu in the middle of writing.
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());

    new ResizeObserver(() => this.#resize()).observe(canvas);
    this.#watchPixelRatio();
    // The ink colour comes from CSS (`color` of the canvas), which flips with the colour scheme.
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.redraw());
    this.#resize();
  }

  get isEmpty() { return this.strokes.length === 0; }
  get canUndo() { return this.undoStack.length > 0; }
  get canRedo() { return this.redoStack.length > 0; }
  /** Pen width in stored pixels: what shows as penWidthFor(surface height) on screen. */
  get penWidth() { return penWidthFor(this.size.height) / this.view; }

  undo() {
    if (!this.canUndo) return;
    this.redoStack.push(this.strokes);
    this.strokes = this.undoStack.pop();
    this.#changed('undo');
  }

  redo() {
    if (!this.canRedo) return;
    this.undoStack.push(this.strokes);
    this.strokes = this.redoStack.pop();
    this.#changed('redo');
  }

  /** Clearing is one more undoable step, so a mistaken tap on Clear costs nothing. */
  clear() {
    if (this.isEmpty) return;
    this.#commit([]);
    this.#changed('clear');
  }

  /**
   * Put strokes from the history (history.js) in place of the drawing, as one undoable step: undo brings back
   * what was there. Scaled to fit like any ink, if this surface is smaller than the one they were drawn on.
   */
  recall(strokes) {
    this.#commit(strokes);
    this.view = this.#fittingView();
    this.#changed('recall');
  }

  /**
   * Show strokes kept from an earlier visit (saved-drawing.js) in place of the drawing. Like any fresh page
   * there is nothing to undo; the ink is scaled to fit if this surface is smaller than the one it was drawn on.
   */
  restore(strokes) {
    this.strokes = strokes;
    this.undoStack = [];
    this.redoStack = [];
    this.view = this.#fittingView();
    this.#changed('restore');
  }

  /**
   * The strokes rendered at the recognizer's working scale: black, round caps and joins, on a transparent
   * background (the ink is the alpha channel); the image is what the surface shows, at WORK_HEIGHT.
   * `scale` maps on-screen CSS pixels to image pixels, so a box the recognizer reports in image pixels is
   * at box / scale on the surface. Null when nothing is drawn.
   * @returns {{width: number, height: number, rgba: ArrayBuffer, scale: number} | null}
   */
  exportImage() {
    if (this.isEmpty || this.size.height === 0) return null;
    const scale = WORK_HEIGHT / this.size.height;
    const width = Math.max(1, Math.round(this.size.width * scale));
    const height = WORK_HEIGHT;
    const ctx = new OffscreenCanvas(width, height).getContext('2d', {willReadFrequently: true});
    ctx.setTransform(scale * this.view, 0, 0, scale * this.view, 0, 0);
    ctx.strokeStyle = ctx.fillStyle = '#000';
    for (const stroke of this.strokes) drawStroke(ctx, stroke);
    const rgba = ctx.getImageData(0, 0, width, height).data.buffer;
    return {width, height, rgba, scale};
  }

  redraw() {
    const {ctx, canvas} = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    this.inkColor = getComputedStyle(canvas).color;
    this.#styleContext();
    const strokes = this.active ? [...this.strokes, this.active.stroke] : this.strokes;
    for (const stroke of strokes) drawStroke(ctx, stroke);
  }

  #down(e) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    // A touch stroke in progress when a pen comes down is most likely the writer's palm: drop it.
    if (this.active?.pointerType === 'touch' && e.pointerType === 'pen') this.#discardActive();
    if (this.active) return;   // a second finger does not write
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    // The rect is read once per stroke: layout cannot move under a captured pointer with touch-action: none.
    const rect = this.canvas.getBoundingClientRect();
    const x = (e.clientX - rect.left) / this.view;
    const y = (e.clientY - rect.top) / this.view;
    const stroke = {width: this.penWidth, points: [x, y]};
    this.active = {pointerId: e.pointerId, pointerType: e.pointerType, stroke, rect};
    this.#styleContext();
    drawStroke(this.ctx, stroke);
    this.dispatchEvent(new Event('strokeStart'));
  }

  #move(e) {
    const active = this.active;
    if (!active || e.pointerId !== active.pointerId) return;
    // Coalesced events carry the points the browser merged into one frame: without them fast strokes
    // become visibly polygonal.
    const events = e.getCoalescedEvents?.() ?? [];
    const {points} = active.stroke;
    this.#styleContext();
    for (const ev of events.length ? events : [e]) {
      const x = (ev.clientX - active.rect.left) / this.view;
      const y = (ev.clientY - active.rect.top) / this.view;
      const n = points.length;
      if (x === points[n - 2] && y === points[n - 1]) continue;
      drawSegment(this.ctx, points[n - 2], points[n - 1], x, y, active.stroke.width);
      points.push(x, y);
    }
  }

  #up(e) {
    const active = this.active;
    if (!active || e.pointerId !== active.pointerId) return;
    this.active = null;
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    const erased = scratchedOut(active.stroke, this.strokes);
    if (erased.size) {   // one undoable step: undo brings the strokes back and drops the scratch
      this.#commit(this.strokes.filter((stroke) => !erased.has(stroke)));
      this.#changed('erase');
      return;
    }
    this.#commit([...this.strokes, active.stroke]);
    this.#changed('draw');
  }

  #discardActive() {
    const {pointerId} = this.active;
    this.active = null;
    if (this.canvas.hasPointerCapture(pointerId)) this.canvas.releasePointerCapture(pointerId);
    this.redraw();
  }

  #commit(strokes) {
    this.undoStack.push(this.strokes);
    this.redoStack = [];
    this.strokes = strokes;
  }

  #changed(reason) {
    this.redraw();
    this.dispatchEvent(new CustomEvent('strokesChanged', {detail: {reason, count: this.strokes.length}}));
  }

  /** Drawing in stored pixels (device pixels per stored pixel = dpr × view), in the ink colour. */
  #styleContext() {
    const {ctx} = this;
    const k = this.dpr * this.view;
    ctx.setTransform(k, 0, 0, k, 0, 0);
    ctx.strokeStyle = ctx.fillStyle = this.inkColor;
  }

  #resize() {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.size = {width: rect.width, height: rect.height};
    this.dpr = dpr;
    // The backing store has one pixel per device pixel; the context transform keeps drawing in CSS pixels.
    this.canvas.width = Math.max(1, Math.round(rect.width * dpr));
    this.canvas.height = Math.max(1, Math.round(rect.height * dpr));
    const view = this.#fittingView();
    const moved = view !== this.view;
    this.view = view;
    this.redraw();
    if (moved && !this.isEmpty) this.dispatchEvent(new CustomEvent('strokesChanged',
      {detail: {reason: 'resize', count: this.strokes.length}}));
  }

  /**
   * The largest view factor ≤ 1 that keeps all ink on the surface, anchored at the top-left. Strokes that
   * undo or redo could bring back count too, so undoing never makes the ink jump in size.
   */
  #fittingView() {
    let maxX = 0;
    let maxY = 0;
    for (const strokes of [this.strokes, ...this.undoStack, ...this.redoStack]) {
      for (const {points, width} of strokes) {
        for (let i = 0; i < points.length; i += 2) {
          maxX = Math.max(maxX, points[i] + width / 2);
          maxY = Math.max(maxY, points[i + 1] + width / 2);
        }
      }
    }
    // A pen's width of margin, so fitted ink does not touch the edge.
    const margin = penWidthFor(this.size.height);
    const view = Math.min(1, (this.size.width - margin) / maxX, (this.size.height - margin) / maxY);
    return view > 0 ? view : 1;
  }

  /** Browser zoom or moving the window to another screen changes devicePixelRatio without a resize. */
  #watchPixelRatio() {
    const query = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    query.addEventListener('change', () => {
      this.#resize();
      this.#watchPixelRatio();
    }, {once: true});
  }
}

/**
 * The strokes that `scratch` erases if it is a scratch-out (see SCRATCH_TANGLE), else an empty set.
 * @param {{points: number[], width: number}} scratch
 * @param {{points: number[], width: number}[]} strokes
 * @returns {Set<object>}
 */
export function scratchedOut(scratch, strokes) {
  const {points, width} = scratch;
  let length = 0;
  for (let i = 2; i < points.length; i += 2) {
    length += Math.hypot(points[i] - points[i - 2], points[i + 1] - points[i - 1]);
  }
  const xs = points.filter((_, i) => i % 2 === 0);
  const ys = points.filter((_, i) => i % 2 === 1);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const erased = new Set();
  if (length < SCRATCH_TANGLE * Math.max(x1 - x0, y1 - y0, width)) return erased;
  const pad = width / 2;
  for (const stroke of strokes) {
    let inside = 0;
    for (let i = 0; i < stroke.points.length; i += 2) {
      const [x, y] = [stroke.points[i], stroke.points[i + 1]];
      if (x >= x0 - pad && x <= x1 + pad && y >= y0 - pad && y <= y1 + pad) inside++;
    }
    if (inside >= SCRATCH_COVER * (stroke.points.length / 2)) erased.add(stroke);
  }
  return erased;
}

/** Draws one stroke with round caps and joins; a single tap becomes a dot (a decimal point, a ÷ dot). */
function drawStroke(ctx, {points, width}) {
  if (points.length === 2) {
    ctx.beginPath();
    ctx.arc(points[0], points[1], width / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.lineWidth = width;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(points[0], points[1]);
  for (let i = 2; i < points.length; i += 2) ctx.lineTo(points[i], points[i + 1]);
  ctx.stroke();
}

function drawSegment(ctx, x0, y0, x1, y1, width) {
  ctx.lineWidth = width;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}
