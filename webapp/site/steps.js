// The step-by-step view: what the recognizer saw (binarized drawing and symbol boxes), what it read in each
// 28×28 crop, the tokens, the parse tree and the evaluation steps. Also the one place that turns expression
// characters into their typeset form, so the result and the steps never disagree.

const TYPESET = {'*': '×', '-': '−'};
const SVG_NS = 'http://www.w3.org/2000/svg';
const CROP_SIDE = 28;
const TOKEN_KINDS = {op: 'operator', lparen: 'bracket', rparen: 'bracket', equals: 'equals', number: 'number',
  percent: 'percent', root: 'square root'};

/** Typeset form of one expression character: × for multiplication, a true minus sign. */
export function displayChar(char) {
  return TYPESET[char] ?? char;
}

const SUPERSCRIPT = {'0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸',
  '9': '⁹', '-': '⁻'};

/**
 * Typeset form of expression or value text ("-7/2" → "−7/2"); a power with a plain exponent is written raised,
 * as it was drawn ("2^-3" → "2⁻³"), any other stays "^(…)"; a square root is "√" ("sqrt(9)" → "√(9)").
 */
export function displayText(text) {
  return String(text ?? '')
    .replaceAll('sqrt', '√')
    .replace(/\^(-?[0-9]+)(?![0-9.])/g, (_, exponent) => Array.from(exponent, (c) => SUPERSCRIPT[c]).join(''))
    .split('').map(displayChar).join('');
}

/** A symbol's readings, most confident first, each character once: its reading and the alternatives. */
export function candidates(symbol) {
  const all = [{char: symbol.char, confidence: symbol.confidence}, ...(symbol.alternatives ?? [])];
  const best = new Map();
  for (const reading of all) {
    if (!(best.get(reading.char)?.confidence >= reading.confidence)) best.set(reading.char, reading);
  }
  return [...best.values()].sort((a, b) => b.confidence - a.confidence);
}

/** A pipeline message as a sentence: its messages start in lower case ("division by zero: …"). */
export function sentence(message) {
  const text = String(message ?? '');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function percent(confidence) {
  return `${Math.round(confidence * 100)}%`;
}

/**
 * Renders the whole explanation into `container`.
 * @param {HTMLElement} container
 * @param {object} view
 *   recognition: the `recognize` result (symbols, tokens, tree, mask, crops, timings_ms);
 *   chars: the symbol characters in use (the user may have picked alternatives);
 *   evaluation: the latest {expression, value, decimal, error, tokens, tree, steps};
 *   imageWidth: width of the image sent to the recognizer (to scale boxes onto the mask).
 * @param {(index: number, anchor: HTMLElement) => void} onPickSymbol
 */
export function renderSteps(container, view, onPickSymbol) {
  const {recognition, chars, evaluation} = view;
  // Lines calculated one by one (py_pipeline/line_by_line.py): a parse tree and an evaluation for each.
  const lines = evaluation.results?.length ? evaluation.results : [evaluation];
  const titled = (title, k) => (lines.length > 1 ? `${title}, line ${k + 1}` : title);
  container.replaceChildren(
    section('What the recognizer saw', maskFigure(recognition, view.imageWidth)),
    section('Each symbol', cropList(recognition, chars, onPickSymbol)),
    section('Tokens', tokenList(evaluation.tokens ?? recognition.tokens)),
    ...lines.flatMap((line, k) => [section(titled('Parse tree', k), parseTree(line.tree)),
      section(titled('Evaluation', k), stepList(line))]),
    section('Timings', timings(recognition.timings_ms)),
  );
}

function section(title, content) {
  const el = element('section', 'steps-section');
  el.append(element('h3', '', title), content);
  return el;
}

/** The binarized drawing in the ink colour, with a numbered box per symbol. */
function maskFigure(recognition, imageWidth) {
  const figure = element('figure', 'mask-figure');
  const {mask, symbols = []} = recognition;
  if (!mask || !mask.width || !mask.height) {
    figure.append(element('p', 'muted', 'No binarized image was returned.'));
    return figure;
  }
  const canvas = document.createElement('canvas');
  canvas.width = mask.width;
  canvas.height = mask.height;
  canvas.className = 'mask-image';
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(mask.width, mask.height);
  for (let i = 0; i < mask.data.length; i++) image.data[4 * i + 3] = mask.data[i] ? 255 : 0;
  ctx.putImageData(image, 0, 0);
  // Recolour the alpha mask with the theme's ink colour.
  ctx.globalCompositeOperation = 'source-in';
  ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--ink').trim() || '#000';
  ctx.fillRect(0, 0, mask.width, mask.height);

  // Boxes are in input-image pixels; the mask may be a different size than the image that was sent.
  const k = imageWidth ? mask.width / imageWidth : 1;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${mask.width} ${mask.height}`);
  svg.setAttribute('class', 'mask-boxes');
  svg.setAttribute('aria-hidden', 'true');
  const fontSize = Math.max(10, Math.round(mask.height / 14));
  symbols.forEach((symbol, i) => {
    if (!symbol.box) return;
    const [x0, y0, x1, y1] = symbol.box.map((v) => v * k);
    const rect = document.createElementNS(SVG_NS, 'rect');
    for (const [name, value] of Object.entries({x: x0, y: y0, width: x1 - x0, height: y1 - y0})) {
      rect.setAttribute(name, value);
    }
    const label = document.createElementNS(SVG_NS, 'text');
    label.setAttribute('x', x0);
    label.setAttribute('y', Math.max(y0 - fontSize / 4, fontSize));
    label.setAttribute('font-size', fontSize);
    label.textContent = String(i + 1);
    svg.append(rect, label);
  });

  const frame = element('div', 'mask-frame');
  frame.append(canvas, svg);
  // A line written uphill or downhill is turned level before it is cut (py_pipeline/straighten.py); the mask
  // and the boxes stay in the drawing's own frame, so only the caption says so.
  const tilt = recognition.tilt_deg
    ? ` The line ${recognition.tilt_deg > 0 ? 'climbed' : 'fell'} by ${Math.abs(recognition.tilt_deg)}°` +
      ' and was turned level before it was cut into symbols.'
    : '';
  // The rules of lined or squared paper in a photo are erased before anything is cut (py_pipeline/ruled_lines.py).
  const lines = recognition.ruled_lines ?? 0;
  const rules = lines
    ? ` ${lines} printed line${lines === 1 ? ' of the paper was' : 's of the paper were'} erased.` : '';
  const count = `${symbols.length} symbol${symbols.length === 1 ? '' : 's'}`;
  const caption = element('figcaption', 'muted',
    `Binarized drawing, ${mask.width}×${mask.height} px, ${count}.${rules}${tilt}`);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', caption.textContent);
  figure.append(frame, caption);
  return figure;
}

/** One button per symbol: the 28×28 crop as the classifier saw it, and its three best readings. */
function cropList(recognition, chars, onPickSymbol) {
  const list = element('ol', 'crop-list');
  const {symbols = [], crops} = recognition;
  symbols.forEach((symbol, i) => {
    const item = element('li');
    const button = element('button', 'crop');
    button.type = 'button';
    button.dataset.symbolIndex = String(i);
    const edited = chars[i] !== symbol.char;
    button.setAttribute('aria-label', `Symbol ${i + 1}: read as ${displayChar(chars[i])}` +
      `${edited ? ' (changed by you)' : ''}. Show alternatives.`);
    button.addEventListener('click', () => onPickSymbol(i, button));

    const cropCanvas = cropImage(crops, i);
    if (cropCanvas) button.append(cropCanvas);
    else button.append(element('span', 'crop-placeholder', symbol.source === 'geometry' ? 'layout' : '—'));

    const readings = element('ol', 'readings');
    for (const {char, confidence} of candidates(symbol).slice(0, 3)) {
      const reading = element('li', char === chars[i] ? 'chosen' : '');
      reading.append(element('span', 'reading-char', displayChar(char)), element('span', 'muted', percent(confidence)));
      readings.append(reading);
    }
    if (symbol.source === 'geometry') readings.append(element('li', 'muted', 'from the layout'));
    button.append(readings);
    item.append(button);
    list.append(item);
  });
  if (!symbols.length) return element('p', 'muted', 'No symbols were found.');
  return list;
}

/** The crop as the CNN reads it: bright ink on black, 28×28, scaled up without smoothing by CSS. */
function cropImage(crops, index) {
  const size = CROP_SIDE * CROP_SIDE;
  if (!crops || crops.length < (index + 1) * size) return null;
  // No ink at all: a symbol nobody wrote, which the layout implies (the + before a line of a column that
  // has no operator, py_pipeline/columns.py). A black square would look like a crop gone wrong.
  if (crops.subarray(index * size, (index + 1) * size).every((v) => v === 0)) return null;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = CROP_SIDE;
  canvas.className = 'crop-image';
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(CROP_SIDE, CROP_SIDE);
  for (let p = 0; p < size; p++) {
    const v = Math.round(Math.min(1, Math.max(0, crops[index * size + p])) * 255);
    image.data.set([v, v, v, 255], 4 * p);
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

function tokenList(tokens) {
  if (!tokens?.length) return element('p', 'muted', 'No tokens.');
  const list = element('ol', 'token-list');
  for (const token of tokens) {
    const item = element('li', 'token');
    item.append(element('span', 'token-text', displayText(token.text)),
      element('span', 'token-kind', TOKEN_KINDS[token.kind] ?? token.kind));
    list.append(item);
  }
  return list;
}

/**
 * Nested lists. Nodes are {number}, {op, left, right, implicit}, {op: 'neg', '%' or 'sqrt', operand} or {op: '=',
 * left, right};
 * any object-valued field is a child, so a new node kind still shows.
 */
function parseTree(tree) {
  if (!tree) return element('p', 'muted', 'There is no parse tree: the expression did not parse.');
  const root = element('ul', 'tree');
  root.append(treeNode(tree));
  return root;
}

function treeNode(node) {
  const item = element('li');
  if (node === null || typeof node !== 'object') {
    item.append(element('span', 'tree-label', displayText(node)));
    return item;
  }
  item.append(element('span', 'number' in node ? 'tree-label tree-number' : 'tree-label', treeLabel(node)));
  const children = Object.entries(node)
    .filter(([key, value]) => value !== null && typeof value === 'object' && key !== 'box')
    .flatMap(([, value]) => (Array.isArray(value) ? value : [value]));
  if (children.length) {
    const list = element('ul');
    for (const child of children) list.append(treeNode(child));
    item.append(list);
  }
  return item;
}

function treeLabel(node) {
  if ('number' in node) return displayText(node.number);
  if (node.op === 'neg') return '− (negative)';
  if (node.op === '%') return '% (percent)';
  if (node.op === 'sqrt') return '√ (square root)';
  if (node.op) return `${displayText(node.op)}${node.implicit ? ' (implied)' : ''}`;
  return '?';
}

function stepList(evaluation) {
  const steps = evaluation.steps;
  if (evaluation.error) return element('p', 'error-text', sentence(evaluation.error.message));
  if (!steps?.length) return element('p', 'muted', 'No operations: the value is the number itself.');
  const list = element('ol', 'eval-steps');
  for (const step of steps) list.append(element('li', '', displayText(step)));
  return list;
}


function timings(timingsMs) {
  if (!timingsMs) return element('p', 'muted', 'No timings.');
  const list = element('dl', 'timings');
  for (const [stage, ms] of Object.entries(timingsMs)) {
    list.append(element('dt', '', stage), element('dd', '', `${Number(ms).toFixed(ms < 10 ? 1 : 0)} ms`));
  }
  return list;
}

function element(tag, className = '', text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}
