// Downscale a photo in the browser before it travels over a slow venue connection: at most
// MAX_EDGE pixels on the long side, turned upright by its EXIF orientation; a JPEG, or a WebP
// when the picture has see-through pixels (the server keeps those too). Falls back to the
// original file whenever the browser cannot decode or write it (HEIC in most browsers, WebP in
// older Safari) or when the file is already small; the server validates and re-encodes either
// way. Videos are never touched: they go as they are.

const MAX_EDGE = 2048;
const SMALL_BYTES = 1.5 * 1024 * 1024;
const QUALITY = 0.85;
const VIDEO_NAME = /\.(mp4|m4v|mov|webm)$/i;

export function isVideo(file) {
  return Boolean(file) && (String(file.type).startsWith("video/") || VIDEO_NAME.test(file.name || ""));
}

// Any pixel less than fully opaque (only a JPEG can be sure to have none).
function transparent(ctx, width, height) {
  const { data } = ctx.getImageData(0, 0, width, height);
  for (let i = 3; i < data.length; i += 4) if (data[i] < 255) return true;
  return false;
}

function encoded(canvas, type) {
  return new Promise((resolve) => canvas.toBlob(resolve, type, QUALITY));
}

export async function shrink(file) {
  if (!file || !file.size || isVideo(file) || typeof createImageBitmap !== "function") return file;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return file;
  }
  try {
    const scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.size <= SMALL_BYTES) return file;
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0, width, height);
    const alpha = file.type !== "image/jpeg" && transparent(ctx, width, height);
    const type = alpha ? "image/webp" : "image/jpeg";
    const blob = await encoded(canvas, type);
    // A browser that cannot write WebP hands back a PNG: then the original is the better send.
    if (!blob || blob.type !== type || blob.size >= file.size) return file;
    const name = (file.name || "photo").replace(/\.[^.]*$/, "") + (alpha ? ".webp" : ".jpg");
    return new File([blob], name, { type });
  } finally {
    bitmap.close();
  }
}
