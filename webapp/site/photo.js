// A photo or image file of a written expression, decoded into the RGBA the recognizer reads.
//
// The recognizer already reads what a camera gives: either polarity, paper lit unevenly, a line written
// uphill, the rules of lined or squared paper (py_pipeline/image_input.py). This module only gets the pixels
// there, without ever holding a full-size decode of a huge file: the size is read first, absurd sizes are
// refused before any decoding, and the image is drawn straight into a canvas no larger than PHOTO_MAX_SIDE.

/** Longest side, in pixels, of the image sent to the recognizer. It works at 1024 px (WORKING_SIDE in
 * py_pipeline/image_input.py); twice that keeps thin strokes of a large photo for its own downscaling. */
export const PHOTO_MAX_SIDE = 2048;
/** The recognizer's own bounds (MAX_SIDE and MAX_PIXELS in py_pipeline/image_input.py), applied before a
 * pixel is decoded: a 30000×30000 file would need 3.6 GB just to decode. */
export const MAX_SIDE = 10_000;
export const MAX_PIXELS = 64_000_000;

export class PhotoError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PhotoError';
  }
}

/**
 * Reads an image file (a File or Blob) into {url, name, width, height, rgba}: `url` is a blob: URL showing
 * the file (revoke it with closePhoto), `rgba` the pixels shrunk to at most PHOTO_MAX_SIDE,
 * transparency kept (a transparent canvas export reads as one). Throws a PhotoError that says what is wrong.
 */
export async function loadPhoto(file) {
  const name = file.name || 'the image';
  if (file.type && !file.type.startsWith('image/')) {
    throw new PhotoError(`${name} is not an image (${file.type}); choose a photo or a PNG/JPEG file.`);
  }
  if (file.size === 0) throw new PhotoError(`${name} is empty.`);
  // The header says the size of a PNG or JPEG before the browser sees it (it refuses the largest with no reason).
  const declared = await headerSize(file);
  if (declared) refuseAbsurd(name, declared.width, declared.height);
  const url = URL.createObjectURL(file);
  try {
    const image = await dimensionsOf(url, name);
    const fileWidth = image.naturalWidth;
    const fileHeight = image.naturalHeight;
    refuseAbsurd(name, fileWidth, fileHeight);
    const shrink = Math.min(1, PHOTO_MAX_SIDE / Math.max(fileWidth, fileHeight));
    const width = Math.max(1, Math.round(fileWidth * shrink));
    const height = Math.max(1, Math.round(fileHeight * shrink));
    const ctx = new OffscreenCanvas(width, height).getContext('2d', {willReadFrequently: true});
    ctx.imageSmoothingQuality = 'high';
    try {
      ctx.drawImage(image, 0, 0, width, height);
    } catch {
      throw new PhotoError(`${name} could not be decoded: the file may be damaged.`);
    }
    const rgba = ctx.getImageData(0, 0, width, height).data.buffer;
    return {url, name, width, height, rgba};
  } catch (err) {
    URL.revokeObjectURL(url);
    throw err;
  }
}

/** Releases what loadPhoto holds. */
export function closePhoto(photo) {
  if (photo) URL.revokeObjectURL(photo.url);
}

/** A copy of the photo's pixels as recognize() takes them (the worker takes ownership of what it is sent). */
export function photoImage(photo) {
  return {width: photo.width, height: photo.height, rgba: photo.rgba.slice(0)};
}

function refuseAbsurd(name, width, height) {
  if (Math.max(width, height) > MAX_SIDE || width * height > MAX_PIXELS) {
    throw new PhotoError(`${name} is ${width}×${height} pixels, too large to read here ` +
      `(at most ${MAX_SIDE} pixels a side and ${MAX_PIXELS / 1e6} megapixels): crop it to the expression.`);
  }
}

/**
 * {width, height} from the header of a PNG (IHDR) or a JPEG (its first SOF marker), or null for other formats
 * and for files too short or too odd to say.
 */
async function headerSize(file) {
  const bytes = new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer());
  const view = new DataView(bytes.buffer);
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const ihdr = String.fromCharCode(...bytes.subarray(12, 16)) === 'IHDR';
  if (bytes.length >= 24 && png.every((b, i) => bytes[i] === b) && ihdr) {
    return {width: view.getUint32(16), height: view.getUint32(20)};
  }
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  for (let at = 2; at + 9 <= bytes.length;) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) { at += 1; continue; }   // fill byte
    const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isFrame) return {width: view.getUint16(at + 7), height: view.getUint16(at + 5)};
    at += 2 + view.getUint16(at + 2);
  }
  return null;
}

/** An <img> holding the file, once its size is known: 'load' needs the file and its header; the pixels are
 * decoded only when drawn. */
function dimensionsOf(url, name) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => (image.naturalWidth && image.naturalHeight
      ? resolve(image)
      : reject(new PhotoError(`${name} has no pixels.`)));
    image.onerror = () => reject(new PhotoError(
      `${name} is not an image this browser can read: the file may be damaged, or in a format it does not know.`));
    image.src = url;
  });
}
