// One card per post. User text reaches the DOM only through text nodes; images are shown only
// once they have decoded, so the wall never shows a broken-image icon.

import { displayableUrl } from "../common/media.js";
import { contained } from "../common/text.js";

const IMAGE_WAIT_MS = 6000;
const TAG = /([#@][\p{L}\p{N}_]+)/u;

export function videoOf(post) {
  return (post.media || []).find((m) => m.kind === "video" && displayableUrl(m.url)) || null;
}

export function imageOf(post) {
  return (post.media || []).find((m) => m.kind === "image" && displayableUrl(m.url)) || null;
}

// Text with #hashtags and @mentions set apart, and the post's custom emoji (media items of kind
// "emoji") drawn in place of their :shortcode:, built from text nodes, spans and images only.
export function fillText(el, text, emoji = new Map()) {
  el.replaceChildren();
  for (const part of text.split(TAG)) {
    if (!part) continue;
    if (TAG.test(part)) {
      const span = document.createElement("span");
      span.className = "tag";
      span.textContent = part;
      el.append(span);
    } else {
      appendWithEmoji(el, part, emoji);
    }
  }
}

// Shortcode -> URL of the post's custom emoji that this page may load.
export function emojiOf(post) {
  const found = new Map();
  for (const m of post.media || []) {
    const url = m.kind === "emoji" && m.shortcode ? displayableUrl(m.url) : null;
    if (url) found.set(m.shortcode, url);
  }
  return found;
}

const SHORTCODE = /(:[A-Za-z0-9_]+:)/;

function appendWithEmoji(el, text, emoji) {
  if (emoji.size === 0) {
    el.append(document.createTextNode(text));
    return;
  }
  for (const part of text.split(SHORTCODE)) {
    const url = SHORTCODE.test(part) ? emoji.get(part.slice(1, -1)) : null;
    if (!url) {
      if (part) el.append(document.createTextNode(part));
      continue;
    }
    const img = document.createElement("img");
    img.className = "emoji";
    img.alt = part;
    img.title = part;
    img.decoding = "async";
    img.addEventListener("error", () => img.replaceWith(document.createTextNode(part)), { once: true });
    img.src = url;
    el.append(img);
  }
}

// Whether an element shows any of the post's words (custom emoji count as words).
function hasText(el) {
  return Boolean(el.textContent) || el.querySelector("img.emoji") !== null;
}

export function buildCard(template, post, order) {
  const card = template.content.firstElementChild.cloneNode(true);
  const text = post.text || "";
  const author = post.author || {};
  card.dataset.postId = String(post.id);
  card.dataset.order = String(order);
  card.dataset.source = post.source || "";
  const emoji = emojiOf(post);
  fillText(card.querySelector(".card-text"), text, emoji);
  appendWithEmoji(card.querySelector(".card-name"), contained(author.name || author.handle || ""), emoji);
  const handle = author.handle && author.name ? `@${author.handle.replace(/^@/, "")}` : "";
  card.querySelector(".card-handle").textContent = contained(handle);
  card.querySelector(".card-source").textContent = post.source && post.source !== "upload" ? post.source : "";
  card.classList.toggle("pinned", Boolean(post.pinned));
  card.classList.toggle("photo-only", !text);
  card.classList.toggle("short", text.length > 0 && text.length <= 90);
  showAvatar(card.querySelector(".card-avatar"), author.avatar_url);
  return card;
}

function showAvatar(img, url) {
  const src = displayableUrl(url);
  if (!src) return;
  img.addEventListener("load", () => { img.hidden = false; }, { once: true });
  img.addEventListener("error", () => img.remove(), { once: true });
  img.src = src;
}

// Resolves with true once the card's image is showing, false when the post is shown as text.
// ``ready`` is called as soon as the card may go on the wall (at once, when the image has
// loaded, or after a wait for a slow one); a slow image that loads later still appears.
export function loadImage(card, post, ready) {
  const media = imageOf(post);
  if (!media) {
    ready();
    return Promise.resolve(false);
  }
  const probe = new Image();
  probe.src = displayableUrl(media.url);
  let waited = false;
  const timer = setTimeout(() => {
    waited = true;
    if (post.text) ready();
  }, IMAGE_WAIT_MS);
  return probe.decode().then(
    () => {
      clearTimeout(timer);
      showImage(card, media, probe.src);
      if (!waited || !post.text) ready();
      return true;
    },
    () => {
      clearTimeout(timer);
      degrade(card, media);
      if (!waited || !post.text) ready();
      return false;
    },
  );
}

// A failed image leaves a text card: the post's text, else the image's description.
function degrade(card, media) {
  const img = card.querySelector(".card-image");
  img.hidden = true;
  img.removeAttribute("src");
  card.classList.remove("has-image");
  card.classList.add("no-image");
  const text = card.querySelector(".card-text");
  if (!hasText(text) && media.alt) {
    fillText(text, media.alt);
    card.classList.add("alt-text");
  }
}

// Nothing to show: no text, and the image could not load and has no description.
export function isEmpty(card) {
  return card.classList.contains("no-image") && !hasText(card.querySelector(".card-text"));
}

// For a paced screen: resolves once the card is ready to go on stage, with its image decoded
// (or its video's first frame loaded), or degraded to a text card when the media fails or takes
// longer than `waitMs`. Resolves to true when the card shows its media.
export function prepareMedia(card, post, waitMs = IMAGE_WAIT_MS) {
  const video = videoOf(post);
  if (video) return prepareVideo(card, video, waitMs);
  const media = imageOf(post);
  if (!media) return Promise.resolve(false);
  const probe = new Image();
  probe.src = displayableUrl(media.url);
  const decoded = probe.decode().then(() => true, () => false);
  const late = new Promise((resolve) => setTimeout(() => resolve(false), waitMs));
  return Promise.race([decoded, late]).then((ok) => {
    if (!ok) {
      probe.src = "";
      degrade(card, media);
      return false;
    }
    showImage(card, media, probe.src);
    return true;
  });
}

// The card's photo, once decoded; should it fail later after all, the card becomes text.
function showImage(card, media, src) {
  const img = card.querySelector(".card-image");
  img.addEventListener("error", () => degrade(card, media), { once: true });
  img.src = src;
  img.alt = media.alt || "";
  if (media.width && media.height) {
    img.width = media.width;
    img.height = media.height;
  }
  img.hidden = false;
  card.classList.add("has-image");
}

// Videos play muted and looped, like a photo that moves.
function prepareVideo(card, media, waitMs) {
  const video = document.createElement("video");
  video.className = "card-video";
  video.muted = true;
  video.loop = true;
  video.autoplay = true;
  video.playsInline = true;
  video.preload = "auto";
  video.setAttribute("aria-label", media.alt || "");
  const loaded = new Promise((resolve) => {
    video.addEventListener("loadeddata", () => resolve(true), { once: true });
    video.addEventListener("error", () => resolve(false), { once: true });
  });
  video.src = displayableUrl(media.url);
  const late = new Promise((resolve) => setTimeout(() => resolve(false), waitMs));
  return Promise.race([loaded, late]).then((ok) => {
    if (!ok) {
      video.removeAttribute("src");
      video.load();
      degrade(card, media);
      return false;
    }
    card.querySelector(".card-image").before(video);
    card.classList.add("has-image", "has-video");
    video.play().catch(() => {});
    return true;
  });
}
