// Wiring: the drawing surface (or a photo shown in its place), the recognizer (a worker reached through
// runtime-client.js), the result with its uncertain symbols and error highlight, the alternatives picker and
// the step-by-step view.

import {InkCanvas} from './canvas.js';
import {applyCorrections, correctionOf, withCorrection} from './corrections.js';
import {closePhoto, loadPhoto, photoImage} from './photo.js';
import {loadHistory, saveHistory, withEntry} from './history.js';
import {loadDrawing, saveDrawing} from './saved-drawing.js';
import {renderSteps, displayChar, displayText, candidates, percent, sentence} from './steps.js';

/** Symbols read with less confidence than this are marked uncertain, unless the model card's calibration
 * (passed on by `init` as uncertainBelow) says where this model's readings stop being reliable. */
const CONFIDENCE_THRESHOLD = 0.8;
/** Recognition waits this long after a pen-up, so a symbol of several strokes is not read half-written. */
const RECOGNIZE_DELAY_MS = 250;
const COPY_CONFIRMATION_MS = 2500;
const SPOKEN = {
  '+': 'plus', '-': 'minus', '*': 'times', '×': 'times', '/': 'divided by', '÷': 'divided by', '=': 'equals',
  '(': 'open bracket', ')': 'close bracket', '.': 'point', ',': 'comma', '%': 'percent', '√': 'square root of',
};
/** Words for a reread symbol's rank among the classifier's readings (`corrections[].choice`). */
const CHOICES = {2: 'second', 3: 'third', 4: 'fourth'};
const OPERATORS = new Set(['+', '-', '*', '×', '/', '÷', '=', '%', '√']);
/** Every symbol a reading can be corrected to (the symbols the pipeline knows, in display form). */
const KEYPAD = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '-', '×', '/', '(', ')', '.', '%', '√', '='];
const POPOVER = typeof HTMLElement.prototype.showPopover === 'function';

const $ = (id) => document.getElementById(id);
const ui = {
  status: $('status'), statusText: $('status-text'), progress: $('status-progress'), notice: $('notice'),
  overlay: $('overlay'), placeholder: $('placeholder'),
  undo: $('undo'), redo: $('redo'), clear: $('clear'), clearLabel: $('clear-label'), recognize: $('recognize'),
  photoButton: $('photo-button'), photoInput: $('photo-input'), photo: $('photo'), surface: $('surface'),
  resultCard: $('result-card'), expression: $('expression'), value: $('value'), error: $('error'),
  announce: $('announce'), copy: $('copy'), copyStatus: $('copy-status'),
  stepsPanel: $('steps-panel'), steps: $('steps'),
  alternatives: $('alternatives'), alternativesTitle: $('alternatives-title'), alternativesList: $('alternatives-list'),
  versions: $('versions'),
  historyPanel: $('history-panel'), historySummary: $('history-summary'), historyList: $('history-list'),
  historyClear: $('history-clear'),
};

// This module running at all means scripts load, so the "scripts did not load" hint is not needed.
$('boot-fallback')?.remove();

const ink = new InkCanvas($('ink'));

const state = {
  runtime: null,
  canRecognize: false,
  uncertainBelow: null, // the model card's calibrated threshold, once init has said it
  // Bumped by every drawing change and every request: a reply is shown only if no newer one was asked for
  // and the drawing did not change since, so a slow reply never overwrites a newer result.
  generation: 0,
  timer: 0,
  busy: false,        // a recognize request is in flight
  again: false,       // the drawing changed while it was
  result: null,       // {recognition, scale, strokeScale, imageWidth, chars, raised, evaluation}
  corrections: [],    // corrections.js: what the writer picked for symbols of the drawing, newest first
  photo: null,        // a photo shown instead of the drawing (photo.js's loadPhoto), or null
  refocus: null,      // {container, index}: the symbol whose alternative was picked, to focus once re-rendered
  alternativesAnchor: null,   // the symbol button the alternatives were opened from
  copyText: '',
  copyTimer: 0,
  calculation: null,  // {expression, answer} as shown, when the result has a value
  history: [],        // history.js entries, newest first
};

// ---- drawing ---------------------------------------------------------------------------------------------

ink.addEventListener('strokeStart', () => {
  clearTimeout(state.timer);   // the writer is not done yet
  ui.placeholder.hidden = true;
});

ink.addEventListener('strokesChanged', (e) => {
  if (e.detail.reason !== 'resize' && e.detail.reason !== 'restore') saveDrawing(ink.strokes, state.corrections);
  if (state.photo) return;   // only a resize reaches the hidden drawing; showDrawing() reads it again
  state.generation++;
  state.refocus = null;
  updateToolbar();
  if (ink.isEmpty) {
    clearTimeout(state.timer);
    showResult(null);
    return;
  }
  if (state.result) {
    ui.resultCard.classList.add('stale');
    ui.overlay.replaceChildren();   // the boxes belong to the previous drawing
  }
  scheduleRecognition();
});

ui.undo.addEventListener('click', () => ink.undo());
ui.redo.addEventListener('click', () => ink.redo());
ui.clear.addEventListener('click', () => {
  if (state.photo) {
    showDrawing();
    return;
  }
  rememberCalculation();
  ink.clear();
});
ui.recognize.addEventListener('click', () => recognizeNow());

document.addEventListener('keydown', (e) => {
  if (!(e.ctrlKey || e.metaKey) || e.altKey || isTextField(e.target) || state.photo) return;
  const key = e.key.toLowerCase();
  if (key === 'z' && !e.shiftKey) ink.undo();
  else if ((key === 'z' && e.shiftKey) || key === 'y') ink.redo();
  else return;
  e.preventDefault();
});

function isTextField(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function updateToolbar() {
  const photo = Boolean(state.photo);
  ui.undo.disabled = photo || !ink.canUndo;
  ui.redo.disabled = photo || !ink.canRedo;
  ui.clear.disabled = !photo && ink.isEmpty;
  ui.clearLabel.textContent = photo ? 'Close photo' : 'Clear';
  ui.clear.title = photo ? 'Close the photo and go back to the drawing'
    : 'Clear the drawing (undo brings it back; a calculated one goes into the History)';
  ui.recognize.disabled = (!photo && ink.isEmpty) || !state.canRecognize;
  ui.placeholder.hidden = photo || !ink.isEmpty;
}

// ---- the history of calculations ---------------------------------------------------------------------

/** The drawing's calculation goes into the history as it leaves the surface, if it has an answer that is
 * the drawing's own (not one for strokes since changed, still being read). */
function rememberCalculation() {
  const {calculation} = state;
  if (state.photo || ink.isEmpty || !calculation || ui.resultCard.classList.contains('stale')) return;
  const history = withEntry(state.history, {...calculation, strokes: ink.strokes, corrections: state.corrections});
  if (history === state.history) return;
  state.history = history;
  saveHistory(history);
  renderHistory();
}

function renderHistory() {
  const entries = state.history;
  ui.historyPanel.hidden = entries.length === 0;
  ui.historySummary.textContent = `History (${entries.length})`;
  ui.historyList.replaceChildren(...entries.map((entry) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'history-entry';
    const expression = Object.assign(document.createElement('span'), {className: 'history-expression',
                                                                      textContent: entry.expression});
    const answer = Object.assign(document.createElement('span'), {className: 'history-answer',
                                                                  textContent: entry.answer});
    button.append(expression, ' ', answer);
    button.setAttribute('aria-label', `${entry.expression} ${entry.answer}: bring this drawing back`);
    button.addEventListener('click', () => recallEntry(entry));
    const item = document.createElement('li');
    item.append(button);
    return item;
  }));
}

/** The entry's drawing in place of the current one, which is remembered first and is one undo away. */
function recallEntry(entry) {
  if (state.photo) showDrawing();
  rememberCalculation();
  for (const correction of [...(entry.corrections ?? [])].reverse()) {
    state.corrections = withCorrection(state.corrections, correction);
  }
  ink.recall(entry.strokes.map(({width, points}) => ({width, points: [...points]})));
  ui.surface.scrollIntoView?.({block: 'nearest'});
}

ui.historyClear.addEventListener('click', () => {
  state.history = [];
  saveHistory(state.history);
  renderHistory();
});

// ---- a photo instead of the drawing ----------------------------------------------------------------------

ui.photoButton.addEventListener('click', () => ui.photoInput.click());
ui.photoInput.addEventListener('change', () => {
  const file = ui.photoInput.files?.[0];
  ui.photoInput.value = '';   // choosing the same file again is a change too
  if (file) openPhoto(file);
});

// An image pasted (a screenshot, a copied photo) or dropped on the surface opens like a chosen file.
document.addEventListener('paste', (e) => {
  if (isTextField(e.target)) return;
  const file = imageFileOf(e.clipboardData);
  if (!file) return;
  e.preventDefault();
  openPhoto(file);
});
ui.surface.addEventListener('dragover', (e) => {
  if (![...(e.dataTransfer?.items ?? [])].some((item) => item.kind === 'file')) return;
  e.preventDefault();   // allows the drop
  e.dataTransfer.dropEffect = 'copy';
});
ui.surface.addEventListener('drop', (e) => {
  const file = e.dataTransfer?.files?.[0];
  if (!file) return;
  e.preventDefault();   // the browser would otherwise navigate to the file
  openPhoto(file);
});

/** The first image file of a clipboard, or null. */
function imageFileOf(data) {
  return [...(data?.files ?? [])].find((file) => file.type.startsWith('image/')) ?? null;
}

/**
 * Shows a photo (or any image file) of a written expression in place of the drawing and reads it. The
 * drawing stays as it was, hidden, until the photo is closed; a file that cannot be read changes nothing.
 */
async function openPhoto(file) {
  let photo;
  try {
    photo = await loadPhoto(file);
  } catch (err) {
    showRequestFailure('Could not open the photo', err);
    return;
  }
  closePhoto(state.photo);
  state.photo = photo;
  ui.photo.src = photo.url;
  ui.photo.alt = `Photo: ${photo.name}`;
  ui.surface.classList.add('showing-photo');   // the canvas keeps its size (and the drawing) underneath
  layoutPhoto();
  clearTimeout(state.timer);
  state.generation++;
  showResult(null);
  updateToolbar();
  recognizeNow();
}

/** Back to the drawing, and to reading it. */
function showDrawing() {
  closePhoto(state.photo);
  state.photo = null;
  ui.surface.classList.remove('showing-photo');
  ui.photo.removeAttribute('src');
  Object.assign(ui.overlay.style, {left: '', top: '', width: '', height: ''});
  state.generation++;
  showResult(null);
  updateToolbar();
  if (!ink.isEmpty) recognizeNow();
}

/** Recognizer-image pixels per CSS pixel of the photo as shown: the scale its boxes are drawn at. */
function photoScale() {
  const {photo} = state;
  return 1 / Math.min(ui.surface.clientWidth / photo.width, ui.surface.clientHeight / photo.height);
}

/**
 * The photo as large as the surface allows, centred, with the box overlay on exactly the same rectangle.
 * Returns photoScale().
 */
function layoutPhoto() {
  const {photo} = state;
  const width = ui.surface.clientWidth;
  const height = ui.surface.clientHeight;
  const scale = photoScale();
  const fit = 1 / scale;
  const rect = {
    width: `${photo.width * fit}px`, height: `${photo.height * fit}px`,
    left: `${(width - photo.width * fit) / 2}px`, top: `${(height - photo.height * fit) / 2}px`,
  };
  Object.assign(ui.photo.style, rect);
  Object.assign(ui.overlay.style, rect);
  return scale;
}

new ResizeObserver(() => {
  if (!state.photo) return;
  const scale = layoutPhoto();
  if (state.result) {
    state.result.scale = scale;
    renderOverlay(state.result);
  }
}).observe(ui.surface);

// ---- recognition -----------------------------------------------------------------------------------------

function scheduleRecognition() {
  clearTimeout(state.timer);
  state.timer = setTimeout(recognizeNow, RECOGNIZE_DELAY_MS);
}

/**
 * Sends the drawing to the recognizer. Requests never pile up behind a slow worker: while one is in flight,
 * later changes only mark that another is needed, and the newest drawing is sent when it returns.
 * Until the runtime is ready this does nothing; startRuntime() recognizes whatever was drawn meanwhile.
 */
async function recognizeNow() {
  clearTimeout(state.timer);
  if (!state.canRecognize) return;
  if (state.busy) {
    state.again = true;
    return;
  }
  state.busy = true;
  ui.resultCard.setAttribute('aria-busy', 'true');
  try {
    do {
      state.again = false;
      const image = state.photo ? {...photoImage(state.photo), scale: photoScale()} : ink.exportImage();
      if (!image) break;
      // Image pixels per stroke coordinate, for the drawing's corrections; a photo has no strokes.
      const strokeScale = state.photo ? null : image.scale * ink.view;
      const generation = ++state.generation;
      try {
        const {width, height, rgba, scale} = image;
        const recognition = await state.runtime.recognize({width, height, rgba});
        if (generation !== state.generation) continue;
        const {chars, raised, applied} = correctedReading(recognition, strokeScale);
        const result = {recognition, scale, strokeScale, imageWidth: width, evaluation: recognition, chars, raised};
        if (applied) {
          result.evaluation = await state.runtime.evaluate(evaluateRequest(result));
          if (generation !== state.generation) continue;
        }
        showResult(result);
      } catch (err) {
        if (generation === state.generation) showRequestFailure('Recognition failed', err);
      }
    } while (state.again);
  } finally {
    state.busy = false;
    ui.resultCard.removeAttribute('aria-busy');
  }
}

/**
 * The symbols' chars and raised flags as read, with the writer's earlier corrections of the same ink applied
 * (`applied` counts the symbols they changed). A photo's reading (`strokeScale` null) is taken as it is.
 */
function correctedReading(recognition, strokeScale) {
  const symbols = recognition.symbols ?? [];
  const boxes = symbols.map((symbol) => (strokeScale && symbol.box?.map((v) => v / strokeScale)) || null);
  return applyCorrections(symbols, boxes, ink.strokes, strokeScale ? state.corrections : []);
}

/**
 * Re-evaluates the expression after the user picked another reading for a symbol, or said whether it is
 * written as an exponent (`raised`). A pick on the drawing is remembered for its ink (corrections.js), so
 * it holds when the drawing is read again: after the next stroke, an undo, a reload, a recall from the
 * history.
 */
async function pickAlternative(index, char, raised = state.result?.raised[index]) {
  const result = state.result;
  if (!result || (result.chars[index] === char && result.raised[index] === raised)) return;
  result.chars = result.chars.map((c, i) => (i === index ? char : c));
  result.raised = result.raised.map((r, i) => (i === index ? raised : r));
  rememberCorrection(result, index);
  const generation = ++state.generation;
  ui.resultCard.classList.add('stale');
  renderExpression(result);
  refocusSymbol();
  try {
    const evaluation = await state.runtime.evaluate(evaluateRequest(result));
    if (generation !== state.generation) return;
    showResult({...result, evaluation});
  } catch (err) {
    if (generation === state.generation) showRequestFailure('Evaluation failed', err);
  }
}

function rememberCorrection({recognition, strokeScale, chars, raised}, index) {
  const box = recognition.symbols[index]?.box;
  if (!strokeScale || !box) return;
  const correction = correctionOf(box.map((v) => v / strokeScale), ink.strokes, chars[index], raised[index]);
  if (!correction.strokes.length) return;
  state.corrections = withCorrection(state.corrections, correction);
  saveDrawing(ink.strokes, state.corrections);
}

/**
 * The `evaluate` request. `gap_before` (true when segmentation saw a wide space before the symbol, which
 * splits "1 2" from "12"), `role` (its place in a stacked fraction) and `line` (its line of writing) are the
 * recognizer's own judgement, passed through unchanged; `raised` (an exponent written small and high, as in
 * 2³) is too, unless the user said otherwise in the picker. Lines the recognizer calculated one by one
 * (py_pipeline/line_by_line.py) are calculated so again (`eachLine`).
 */
function evaluateRequest({recognition, chars, raised}) {
  const symbols = (recognition.symbols ?? []).map((symbol, i) => ({
    char: chars[i], gap_before: Boolean(symbol.gap_before), raised: Boolean(raised[i]), role: symbol.role ?? '',
    line: symbol.line ?? 0}));
  return {symbols, eachLine: eachLine(recognition)};
}

/** Whether the drawing's lines are calculated one by one, each with its own answer. */
function eachLine(evaluation) {
  return (evaluation.results ?? []).length > 0;
}

/** The errors to point at: each line's, when lines are calculated one by one. */
function errorsOf(evaluation) {
  const errors = eachLine(evaluation) ? evaluation.results.map((line) => line.error) : [evaluation.error];
  return errors.filter(Boolean);
}

// ---- the result ------------------------------------------------------------------------------------------

function showResult(result) {
  state.result = result;
  ui.resultCard.classList.remove('stale');
  closeAlternatives();
  renderExpression(result);
  renderValue(result);
  renderOverlay(result);
  renderStepsPanel();
  refocusSymbol();
}

/** Re-rendering replaces the symbol buttons; keyboard users keep their place on the symbol they corrected. */
function refocusSymbol() {
  const target = state.refocus;
  const lost = !document.activeElement || document.activeElement === document.body;
  if (target && lost) target.container.querySelector(`[data-symbol-index="${target.index}"]`)?.focus();
}

function isUncertain({recognition, chars}, i) {
  const symbol = recognition.symbols[i];
  return chars[i] === symbol.char && symbol.confidence < (state.uncertainBelow ?? CONFIDENCE_THRESHOLD);
}

/**
 * A symbol's place in a stacked fraction (`stack`: 'numerator', 'fraction', 'denominator', or '' on the line)
 * and in a square root (`root`: 'radical', 'radicand' or ''). The recognizer's role names both for a root
 * written in a fraction, the fraction's part first: 'numerator radicand'.
 */
function placesOf(role) {
  const words = (role ?? '').split(' ');
  return {stack: ['numerator', 'fraction', 'denominator'].includes(words[0]) ? words[0] : '',
    root: ['radical', 'radicand'].includes(words.at(-1)) ? words.at(-1) : ''};
}

/** The expression as one button per symbol, so any symbol can be corrected from the result itself. */
function renderExpression(result) {
  ui.expression.replaceChildren();
  if (!result) return;
  const {recognition, chars, evaluation} = result;
  const symbols = recognition.symbols ?? [];
  if (!symbols.length) {
    ui.expression.textContent = displayText(evaluation.expression);
    return;
  }
  const errorIndices = new Set(errorsOf(evaluation).map((error) => error.symbol_index));
  const byLine = eachLine(evaluation);  // a line break where the writing has one
  let fraction = null; // the stacked fraction being filled: {numerator, bar, denominator} elements
  let radicand = null; // what the √ being filled covers: an element with a bar over it
  const inStack = (stack) => {
    if (!stack) return (fraction = null, ui.expression);
    if (stack === 'numerator' && (!fraction || fraction.bar.childElementCount)) {
      const box = Object.assign(document.createElement('span'), {className: 'fraction'});
      fraction = {};
      for (const part of ['numerator', 'bar', 'denominator']) {
        fraction[part] = Object.assign(document.createElement('span'), {className: `fraction-${part}`});
        box.append(fraction[part]);
      }
      ui.expression.append(box);
    }
    return fraction?.[stack === 'fraction' ? 'bar' : stack] ?? ui.expression;
  };
  const placeFor = (role) => {
    const {stack, root} = placesOf(role);
    const container = inStack(stack);
    if (root !== 'radicand') radicand = null;
    if (root === 'radicand') {
      radicand ??= container.appendChild(Object.assign(document.createElement('span'), {className: 'radicand'}));
      return radicand;
    }
    return container;
  };
  symbols.forEach((symbol, i) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'symbol';
    button.dataset.symbolIndex = String(i);
    button.textContent = displayChar(chars[i]);
    button.classList.toggle('op', OPERATORS.has(chars[i]));
    button.classList.toggle('raised', Boolean(result.raised[i]));
    button.classList.toggle('uncertain', isUncertain(result, i));
    button.classList.toggle('edited', chars[i] !== symbol.char || result.raised[i] !== Boolean(symbol.raised));
    button.classList.toggle('error', errorIndices.has(i));
    const reread = chars[i] === symbol.char
      && (recognition.corrections ?? []).find((c) => c.symbol_index === i);
    // A stroke reread as a digit may take the classifier's third guess, when an operator came second.
    const choice = reread && (CHOICES[reread.choice] ?? 'second');
    const notes = [isUncertain(result, i) && `uncertain, ${percent(symbol.confidence)}`,
      reread && `read as its ${choice} choice, the only reading that makes sense`,
      chars[i] !== symbol.char && 'changed by you', errorIndices.has(i) && 'the error is here'].filter(Boolean);
    if (reread) {
      const before = choice === 'second' ? 'the first' : 'the likelier ones';
      button.title = `Read as the ${choice} choice: ${before} made no sensible expression`;
    }
    const power = result.raised[i] && !result.raised[i - 1] ? 'to the power ' : '';
    const {stack, root} = placesOf(symbol.role);
    const place = root === 'radicand'
      ? ({numerator: 'over the bar, ', denominator: 'under the bar, '}[stack] ?? '') + 'under the root, '
      : {numerator: 'over ', fraction: 'the fraction bar, ', denominator: 'under '}[stack] ?? '';
    button.classList.toggle('bar', stack === 'fraction' && chars[i] === '/');  // drawn as a line
    button.classList.toggle('radical', root === 'radical' && chars[i] === '√');
    const spoken = `${power}${SPOKEN[chars[i]] ?? chars[i]}${notes.length ? ` (${notes.join(', ')})` : ''}`;
    button.setAttribute('aria-label', `${place}${spoken}: symbol ${i + 1}, show alternatives`);
    button.addEventListener('click', () => openAlternatives(i, button));
    if (byLine && i > 0 && symbol.line !== symbols[i - 1].line) {
      ui.expression.append(Object.assign(document.createElement('span'), {className: 'line-break'}));
    }
    placeFor(symbol.role).append(button);
  });
}

function renderValue(result) {
  ui.value.replaceChildren();
  ui.value.className = 'value';
  ui.error.hidden = true;
  state.copyText = '';
  state.calculation = null;
  ui.copy.hidden = true;
  if (!result) {
    ui.announce.textContent = '';
    return;
  }
  const {evaluation} = result;
  if (eachLine(evaluation)) {
    renderLineValues(evaluation);
    return;
  }
  // The text, not the buttons' textContent: an exponent is a raised button but "³" in text ("2³+1", not "23+1").
  const expression = displayText(evaluation.expression) || ui.expression.textContent;
  if (evaluation.error) {
    ui.error.textContent = sentence(evaluation.error.message);
    ui.error.hidden = false;
    ui.announce.textContent = `${expression}: ${ui.error.textContent}`;
    return;
  }
  const line = valueLine(evaluation);
  if (!line) return;
  ui.value.classList.add(line.kind);
  for (const [className, text] of line.parts) {
    const span = document.createElement('span');
    span.className = className;
    span.textContent = text;
    ui.value.append(span);
  }
  state.calculation = {expression, answer: ui.value.textContent};
  state.copyText = `${expression} ${ui.value.textContent}`.trim();
  ui.copy.hidden = false;
  ui.announce.textContent = state.copyText;
}

/**
 * Lines calculated one by one: a row for each, its expression and its value, or what is wrong with it. The
 * history keeps the page when every line has a value; copying copies a row per line.
 */
function renderLineValues(evaluation) {
  ui.value.classList.add('lines');
  const rows = evaluation.results.map((line) => {
    const row = Object.assign(document.createElement('span'), {className: 'value-row'});
    const expression = displayText(line.expression).replace(/=$/, '');
    row.append(Object.assign(document.createElement('span'), {className: 'row-expression', textContent: expression}));
    const value = !line.error && valueLine(line);
    if (!value) {
      row.classList.add('row-error');
      row.append(Object.assign(document.createElement('span'), {className: 'row-message',
        textContent: ` — ${line.error?.message ?? 'no value'}`}));
      ui.value.append(row);
      return {expression, answer: null};
    }
    row.classList.add(value.kind);
    const parts = value.parts.map(([className, text]) => [className, text.trim()]);
    for (const [className, text] of parts) {
      row.append(' ', Object.assign(document.createElement('span'), {className, textContent: text}));
    }
    ui.value.append(row);
    return {expression, answer: parts.map(([, text]) => text).join(' ')};
  });
  state.copyText = rows.map(({expression, answer}) => `${expression} ${answer ?? ''}`.trim()).join('\n');
  if (rows.every((row) => row.answer)) {
    state.calculation = {expression: rows.map((row) => row.expression).join('; '),
      answer: rows.map((row) => row.answer).join('; ')};
  }
  ui.copy.hidden = false;
  ui.announce.textContent = [...ui.value.children].map((row) => row.textContent).join('. ');
}

/**
 * The value line from the pipeline's own typeset `display`: "= 26", "= 7/2 = 3.5", "= 1/3 ≈ 0.3333…",
 * or "✓ true: both sides equal 4" / "✗ false: 3 ≠ 4" for a=b.
 * @returns {{kind: string, parts: [string, string][]} | null}
 */
function valueLine({value, display, approximate}) {
  if (value === null || value === undefined) return null;
  const text = display || displayText(value);
  if (value === 'true' || value === 'false') {
    return {kind: `truth-${value}`, parts: [['truth', `${value === 'true' ? '✓' : '✗'} ${text}`]]};
  }
  // Worked out from an irrational root (√2, 2^0.5): only a rounded decimal, after ≈.
  if (approximate) return {kind: 'number', parts: [['equals', '≈ '], ['exact', text.replace(/^≈ /, '')]]};
  // The exact value stands out; its decimal form follows quietly.
  const [exact, ...decimal] = text.split(/ (?=[=≈] )/);
  return {kind: 'number', parts: [['equals', '= '], ['exact', exact], ...decimal.map((d) => ['decimal', ` ${d}`])]};
}

/**
 * Over the drawing: dashed boxes at uncertain symbols, a solid one with the message at the error, and the
 * answer written after the expression.
 */
function renderOverlay(result) {
  ui.overlay.replaceChildren();
  if (!result) return;
  const {recognition, scale, evaluation} = result;
  const symbols = recognition.symbols ?? [];
  symbols.forEach((symbol, i) => {
    if (symbol.box && isUncertain(result, i)) ui.overlay.append(overlayBox(symbol.box, scale, 'box uncertain'));
  });
  placeAnswer(result);
  errorsOf(evaluation).forEach((error, k) => {
    const box = error.box ?? symbols[error.symbol_index]?.box;
    if (!box) return;
    ui.overlay.append(overlayBox(box, scale, 'box error'));
    if (k > 0) return;  // one message on the surface; the result card lists every line's
    const label = document.createElement('p');
    label.className = 'box-label';
    label.textContent = sentence(error.message);
    ui.overlay.append(label);
    placeLabel(label, box.map((v) => v / scale));
  });
}

/**
 * The answer on the surface itself, as a handwriting calculator writes it: at the line's height just right of
 * its last symbol ("= 19", or "19" after a written "="), or under the line (over it, at the bottom) when the
 * surface ends first; under a column of numbers (py_pipeline/columns.py), below its rule and aligned right
 * with its numbers, as on paper; after each line of lines calculated one by one (py_pipeline/line_by_line.py).
 * Only the exact value or ✓/✗: the result card has the rest, and says it to screen readers.
 */
function placeAnswer({recognition, scale, chars, evaluation}) {
  const symbols = recognition.symbols ?? [];
  if (!eachLine(evaluation)) {
    placeAnswerOf(evaluation, symbols, chars, scale, recognition.lines ?? 1);
    return;
  }
  for (const line of evaluation.results) {  // lines calculated one by one: each answer after its line
    const [first, stop] = line.symbols;
    placeAnswerOf(line, symbols.slice(first, stop), chars.slice(first, stop), scale, 1, true);
  }
}

/**
 * The answer of `evaluation`, whose `symbols` are on `lines` lines (a column of numbers when more than 1).
 * `onPage`: a line of several calculated one by one, with the next one under it: an answer with no room
 * after the line is written smaller there, down to half its size, and then cut short (the result card has
 * it whole); only with no room for a digit does it go under the line.
 */
function placeAnswerOf(evaluation, allSymbols, chars, scale, lines, onPage = false) {
  const line = valueLine(evaluation);
  const symbols = allSymbols.filter((symbol) => symbol.box);
  if (evaluation.error || !line || !symbols.length) return;
  const x1 = Math.max(...symbols.map((s) => s.box[2])) / scale;
  const [y0, y1] = lineRows(symbols).map((y) => y / scale);
  const [, value] = line.parts.find(([part]) => part === 'exact' || part === 'truth');
  const answer = document.createElement('p');
  answer.className = `inline-answer ${line.kind}`;
  answer.setAttribute('aria-hidden', 'true');
  const [, relation] = line.parts[0];
  const written = chars.at(-1) === '=' || (lines > 1 && relation === '= ') ? value : `${relation}${value}`;
  answer.textContent = line.kind !== 'number' ? value.slice(0, 1) : written;
  const lineHeight = (y1 - y0) / (lines > 1 ? lines + 0.4 * (lines - 1) : 1);  // a column: lines and gaps
  answer.style.fontSize = `${Math.min(96, Math.max(16, 0.7 * lineHeight))}px`;
  const surface = ui.overlay.getBoundingClientRect();
  const gap = Math.max(6, 0.2 * lineHeight);
  answer.style.maxWidth = `${surface.width - 2 * gap}px`;
  ui.overlay.append(answer);
  const {width, height} = answer.getBoundingClientRect();
  let left = x1 + gap;
  let top = (y0 + y1) / 2 - height / 2;
  const room = surface.width - gap - left;
  const size = parseFloat(answer.style.fontSize);
  if (onPage && width > room && room >= size) {  // smaller, and cut short (…) below half size
    answer.style.fontSize = `${size * Math.max(0.5, room / width)}px`;
    answer.style.maxWidth = `${room}px`;
    top = (y0 + y1) / 2 - answer.getBoundingClientRect().height / 2;
  } else if (lines > 1 || width > room) {  // under a column's rule, or under the line
    left = Math.max(gap, Math.min(x1, surface.width - gap) - width);
    top = underOrOver(y0, lines > 1 ? y1 + 0.4 * lineHeight : y1, height, gap, surface.height);
  }
  answer.style.left = `${left}px`;
  answer.style.top = `${Math.max(0, top)}px`;
}

/**
 * The rows of the line of writing, in image pixels: those of the symbols on it. A stacked fraction stands
 * taller than the line; one written alone gives its bar's middle, give or take its numerator's height.
 */
function lineRows(symbols) {
  const rowsOf = (boxes) => [Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[3]))];
  const onLine = symbols.filter((s) => !placesOf(s.role).stack).map((s) => s.box);
  if (onLine.length) return rowsOf(onLine);
  const bar = symbols.find((s) => s.role === 'fraction')?.box;
  const over = symbols.filter((s) => placesOf(s.role).stack === 'numerator').map((s) => s.box);
  if (!bar || !over.length) return rowsOf(symbols.map((s) => s.box));
  const middle = (bar[1] + bar[3]) / 2;
  const half = Math.max(...over.map((b) => b[3] - b[1])) / 2;
  return [middle - half, middle + half];
}

/** The top of something `height` tall placed `gap` under the rows y0..y1, or over them if it would leave
 * the surface there. */
function underOrOver(y0, y1, height, gap, surfaceHeight) {
  const below = y1 + gap;
  return below + height <= surfaceHeight - gap ? below : Math.max(gap, y0 - height - gap);
}

/** The error message under its box (above it near the bottom), centred on it but kept inside the surface. */
function placeLabel(label, [x0, y0, x1, y1]) {
  const surface = ui.overlay.getBoundingClientRect();
  const {width, height} = label.getBoundingClientRect();
  const gap = 10;
  const left = Math.min(Math.max(gap, (x0 + x1) / 2 - width / 2), surface.width - width - gap);
  label.style.left = `${Math.max(0, left)}px`;
  label.style.top = `${underOrOver(y0, y1, height, gap, surface.height)}px`;
}

/** A box given in recognizer-image pixels, placed over the surface in CSS pixels (image px / export scale). */
function overlayBox([x0, y0, x1, y1], scale, className) {
  const el = document.createElement('div');
  el.className = className;
  el.style.left = `${x0 / scale}px`;
  el.style.top = `${y0 / scale}px`;
  el.style.width = `${(x1 - x0) / scale}px`;
  el.style.height = `${(y1 - y0) / scale}px`;
  return el;
}

function showRequestFailure(what, err) {
  ui.resultCard.classList.remove('stale');
  ui.error.textContent = `${what}: ${err?.message ?? err}`;
  ui.error.hidden = false;
  ui.announce.textContent = ui.error.textContent;
}

// ---- alternatives ----------------------------------------------------------------------------------------

function openAlternatives(index, anchor) {
  const result = state.result;
  if (!result) return;
  const symbol = result.recognition.symbols[index];
  const chosen = result.chars[index];
  ui.alternativesTitle.textContent =
    `Symbol ${index + 1}: read as ${displayChar(symbol.char)} (${percent(symbol.confidence)})`;
  ui.alternativesList.replaceChildren();
  const options = candidates(symbol);
  const pick = (char, className, raised = result.raised[index]) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = className;
    button.setAttribute('aria-pressed', String(char === chosen && raised === result.raised[index]));
    button.addEventListener('click', () => {
      state.refocus = {container: anchor.closest('#expression, #steps') ?? ui.expression, index};
      closeAlternatives();
      pickAlternative(index, char, raised);
    });
    return button;
  };
  // Whether a digit is an exponent is read from where it was written; a hurried 23 can look like 2³.
  const exponent = pick(chosen, 'exponent-toggle', !result.raised[index]);
  exponent.setAttribute('aria-pressed', String(result.raised[index]));
  exponent.textContent = 'Written as an exponent (2³)';
  for (const {char, confidence} of options) {
    const button = pick(char, 'alternative');
    button.setAttribute('aria-label', `${SPOKEN[char] ?? char}, ${percent(confidence)}`);
    const glyph = document.createElement('span');
    glyph.className = 'alternative-char';
    glyph.textContent = displayChar(char);
    const share = document.createElement('span');
    share.className = 'muted';
    share.textContent = percent(confidence);
    button.append(glyph, share);
    ui.alternativesList.append(button);
  }
  if (options.length < 2) {
    const note = document.createElement('p');
    note.className = 'muted';
    note.textContent = 'No other readings for this symbol.';
    ui.alternativesList.append(note);
  }
  // The classifier's own guesses miss the right symbol when it is sure and wrong (a steep / read as 1
  // at 100%), so every other symbol is one tap away too.
  const keypad = document.createElement('div');
  keypad.className = 'keypad';
  keypad.setAttribute('role', 'group');
  keypad.setAttribute('aria-label', 'Any other symbol');
  const listed = new Set(options.map(({char}) => char));
  for (const char of KEYPAD.filter((c) => !listed.has(c))) {
    const key = pick(char, 'key');
    key.textContent = displayChar(char);
    key.setAttribute('aria-label', SPOKEN[char] ?? char);
    keypad.append(key);
  }
  ui.alternativesList.append(keypad);
  if (/^[0-9-]$/.test(result.chars[index]) || result.raised[index]) ui.alternativesList.append(exponent);
  state.alternativesAnchor = anchor;
  if (POPOVER) ui.alternatives.showPopover();
  else ui.alternatives.hidden = false;
  placeNear(ui.alternatives, anchor);
  (ui.alternativesList.querySelector('[aria-pressed="true"]') ?? ui.alternativesList.querySelector('button'))?.focus();
}

function alternativesOpen() {
  return POPOVER ? ui.alternatives.matches(':popover-open') : !ui.alternatives.hidden;
}

function closeAlternatives() {
  if (!alternativesOpen()) return;
  if (POPOVER) ui.alternatives.hidePopover();
  else {
    ui.alternatives.hidden = true;
    returnFocusFromAlternatives();
  }
}

/** Closing (Escape, a tap outside) gives focus back to the symbol, unless the user already moved it elsewhere. */
function returnFocusFromAlternatives() {
  const anchor = state.alternativesAnchor;
  const active = document.activeElement;
  const lost = !active || active === document.body || ui.alternatives.contains(active);
  if (anchor?.isConnected && lost && !alternativesOpen()) anchor.focus();
}

if (POPOVER) {
  ui.alternatives.addEventListener('toggle', (e) => {
    if (e.newState === 'closed') returnFocusFromAlternatives();
  });
} else {
  // Without the Popover API (Safari < 17): the same light dismissal by hand.
  ui.alternatives.removeAttribute('popover');
  ui.alternatives.hidden = true;
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeAlternatives();
  });
  document.addEventListener('pointerdown', (e) => {
    if (!ui.alternatives.contains(e.target)) closeAlternatives();
  });
}

function placeNear(popover, anchor) {
  const a = anchor.getBoundingClientRect();
  const p = popover.getBoundingClientRect();
  const margin = 8;
  const left = Math.min(Math.max(margin, a.left + a.width / 2 - p.width / 2), innerWidth - p.width - margin);
  const below = a.bottom + margin;
  const top = below + p.height <= innerHeight - margin ? below : Math.max(margin, a.top - p.height - margin);
  popover.style.left = `${left}px`;
  popover.style.top = `${top}px`;
}

// ---- steps -----------------------------------------------------------------------------------------------

ui.stepsPanel.addEventListener('toggle', renderStepsPanel);

function renderStepsPanel() {
  if (!ui.stepsPanel.open) return;
  const result = state.result;
  if (!result) {
    ui.steps.replaceChildren(Object.assign(document.createElement('p'), {
      className: 'muted', textContent: 'Write an expression to see how it is read, step by step.'}));
    return;
  }
  renderSteps(ui.steps, result, openAlternatives);
}

// ---- copy ------------------------------------------------------------------------------------------------

ui.copy.addEventListener('click', async () => {
  const text = state.copyText;
  if (!text) return;
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch {
    copied = copyWithSelection(text);   // no Clipboard API on plain http, or permission refused
  }
  ui.copyStatus.textContent = copied ? `Copied “${text}”`
    : 'Could not copy: select the result and copy it by hand.';
  clearTimeout(state.copyTimer);
  state.copyTimer = setTimeout(() => { ui.copyStatus.textContent = ''; }, COPY_CONFIRMATION_MS);
});

function copyWithSelection(text) {
  const previous = document.activeElement;   // selecting the text moves focus; give it back afterwards
  const area = document.createElement('textarea');
  area.value = text;
  area.readOnly = true;
  area.className = 'offscreen';
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  area.remove();
  previous?.focus?.();
  return copied;
}

// ---- start-up --------------------------------------------------------------------------------------------

function setStatus(kind, text, fraction) {
  ui.status.dataset.state = kind;
  ui.statusText.textContent = text;
  ui.progress.hidden = kind !== 'loading';
  if (typeof fraction === 'number') ui.progress.value = fraction;
  else ui.progress.removeAttribute('value');   // indeterminate
}

function showNotice(text) {
  ui.notice.textContent = text;
  ui.notice.hidden = false;
}

function showFatal(text) {
  setStatus('error', 'Recognition unavailable');
  showNotice(text);
}

async function startRuntime() {
  setStatus('loading', 'Loading…');
  let client;
  try {
    // Imported dynamically so the drawing surface works even when the runtime cannot load.
    client = await import('./runtime-client.js');
  } catch (err) {
    showFatal(`The recognizer could not be loaded (${err?.message ?? err}). Reload the page to try again.`);
    return;
  }
  // Chromium never gets here from file:// (it refuses module scripts there; index.html's fallback says so),
  // but browsers that do run modules from file:// still cannot start the worker.
  const fileProblem = client.detectFileProtocol();
  if (fileProblem) {
    showFatal(fileProblem);
    return;
  }
  let info;
  try {
    state.runtime = client.createRuntime(
      ({stage, message, fraction}) => setStatus('loading', message || stage, fraction));
    info = await state.runtime.init();
  } catch (err) {
    showFatal(`Inkcalc could not start: ${err?.message ?? err}`);
    return;
  }
  ui.versions.textContent = `App ${info.appVersion ?? '?'} · model ${info.modelVersion ?? 'none'}` +
    `${info.backend ? ` · ${info.backend}` : ''}`;
  state.canRecognize = Boolean(info.canRecognize);
  state.uncertainBelow = info.uncertainBelow ?? null;
  updateToolbar();
  if (!state.canRecognize) {
    setStatus('error', 'Recognition unavailable');
    showNotice(`Handwriting recognition is not available: ${info.reason || 'no reason was given'}`);
    return;
  }
  setStatus('ready', 'Ready');
  if (state.photo || !ink.isEmpty) recognizeNow();   // a photo opened or strokes drawn while loading
}

updateToolbar();
state.history = loadHistory();
renderHistory();
const saved = loadDrawing();
state.corrections = saved.corrections;
if (saved.strokes.length) ink.restore(saved.strokes);   // recognized as soon as the runtime is ready
startRuntime();
