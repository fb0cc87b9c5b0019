// The attendee form: text, up to four photos (previewed, downscaled in the browser) or, where the
// server takes them, one short video among them (previewed, sent as it is), name and consent; an
// upload with a progress bar that can be retried without retyping; then the post's status, kept
// current, and a link to follow or take it down later.

import { initLanguage, language, t } from "./i18n.js";
import { isVideo, shrink } from "./shrink.js";
import { follow, showStatus } from "./status.js";
import { upload } from "./upload.js";

const page = document.getElementById("post-page");
const form = document.getElementById("post-form");
const error = document.getElementById("post-error");
const retry = document.getElementById("post-retry");
const send = document.getElementById("post-send");
const done = document.getElementById("post-done");
const statusLine = document.getElementById("post-status");
const hint = document.getElementById("post-hint");
const manageLink = document.getElementById("manage-link");
const fileInput = form.elements.namedItem("image");
const consent = form.elements.namedItem("consent");
const preview = document.getElementById("post-preview");
const progressRow = document.getElementById("post-progress-row");
const progress = document.getElementById("post-progress");
const progressLabel = document.getElementById("post-progress-label");
let stop = () => {};
let current = null;       // the post's last known status, re-rendered on a language switch
let prepared = null;      // { sources: File[], uploads: File[] }, so a retry does not shrink again
let relabel = [];         // re-renders the previews' captions on a language switch
let explain = null;       // renders the message on show, again on a language switch

initLanguage(() => {
  if (current) showStatus(statusLine, hint, current);
  for (const update of relabel) update();
  if (explain && !error.hidden) error.textContent = explain();
});

function showError(render) {
  explain = render;
  error.textContent = render();
  error.hidden = false;
}

const MAX_PHOTOS = 4;
// The server's video limits, rendered into the page; absent while videos are off.
const videoLimits = page.dataset.videoMaxBytes
  ? { bytes: Number(page.dataset.videoMaxBytes), seconds: Number(page.dataset.videoMaxSeconds) }
  : null;

function number(value, digits = 1) {
  return value.toLocaleString(language(), { maximumFractionDigits: digits });
}

function megabytes(bytes) {
  const mb = bytes / (1024 * 1024);
  return number(mb >= 10 ? Math.floor(mb) : Math.floor(mb * 10) / 10);
}

function fileSize(bytes) {
  return bytes < 1024 * 1024 ? `${number(Math.max(1, Math.round(bytes / 1024)), 0)} KB`
    : `${megabytes(bytes)} MB`;
}

function videoTooBig() {
  return t("videoTooBig", { mb: megabytes(videoLimits.bytes) });
}

function picked() {
  return Array.from(fileInput.files || []).filter((f) => f.size > 0);
}

// A video's preview: its first frame (when this browser can decode it), its name and length.
function videoPreview(file, url) {
  const figure = document.createElement("figure");
  figure.className = "video-preview";
  const player = document.createElement("video");
  player.className = "preview";
  player.muted = true;
  player.playsInline = true;
  player.controls = true;
  player.preload = "auto";  // the file is already on the phone: loading it costs no data
  player.addEventListener("error", () => player.remove());
  player.src = `${url}#t=0.1`;  // a media fragment, so the first frame shows rather than black
  const caption = document.createElement("figcaption");
  caption.className = "muted";
  const update = () => {
    const seconds = Number.isFinite(player.duration) ? number(player.duration) : null;
    const kind = seconds === null ? t("video") : t("videoLength", { s: seconds });
    caption.textContent = `${kind} · ${file.name} · ${fileSize(file.size)}`;  // the name as text
  };
  player.addEventListener("loadedmetadata", update);
  update();
  relabel.push(update);
  figure.append(player, caption);
  return figure;
}

fileInput.addEventListener("change", () => {
  for (const media of preview.querySelectorAll("[data-object-url]")) {
    URL.revokeObjectURL(media.dataset.objectUrl);
  }
  preview.replaceChildren();
  relabel = [];
  prepared = null;
  for (const file of picked().slice(0, MAX_PHOTOS)) {
    const url = URL.createObjectURL(file);
    let item;
    if (isVideo(file)) {
      item = videoPreview(file, url);
    } else {
      item = document.createElement("img");
      item.className = "preview";
      item.alt = "";
      item.addEventListener("error", () => item.remove());
      item.src = url;
    }
    item.dataset.objectUrl = url;
    preview.append(item);
  }
  preview.hidden = !preview.childElementCount;
});

// The photos to send, shrunk once (videos go as they are): a retry reuses them.
async function photos() {
  const files = picked();
  if (!prepared || prepared.sources.length !== files.length
      || prepared.sources.some((f, i) => f !== files[i])) {
    if (!files.every(isVideo)) progressLabel.textContent = t("preparing");
    const uploads = [];
    for (const file of files) uploads.push(await shrink(file));
    prepared = { sources: files, uploads };
  }
  return prepared.uploads;
}

function describe(err) {
  if (err.status === 0) return t("offline");
  if (err.status === 429) return t("slowDown", { s: err.retryAfter || 60 });
  if (err.code === "event_ended") return t("endedText");
  if (err.code === "event_not_open") return t("notOpenText");
  if (videoLimits && err.code === "video_too_big") return videoTooBig();
  if (videoLimits && err.code === "video_too_long") {
    return t("videoTooLong", { s: number(videoLimits.seconds) });
  }
  return err.message;
}

// What keeps the picked files from being sent, said before a byte travels; null when fine.
function refusal(files) {
  if (files.length > MAX_PHOTOS) return t(videoLimits ? "tooManyMedia" : "tooMany");
  const videos = files.filter(isVideo);
  if (videoLimits && videos.length > 1) return t("oneVideo");
  if (videoLimits && videos.some((file) => file.size > videoLimits.bytes)) return videoTooBig();
  return null;
}

async function submit() {
  error.hidden = true;
  retry.hidden = true;
  if (!consent.checked) {
    consent.reportValidity();
    return;
  }
  const files = picked();
  if (refusal(files)) {
    showError(() => refusal(files));
    return;
  }
  send.disabled = true;
  progress.value = 0;
  progressRow.hidden = false;
  try {
    const data = new FormData(form);
    data.delete("image");
    for (const file of await photos()) data.append("image", file, file.name);
    progressLabel.textContent = t("uploading");
    const path = `/api/events/${encodeURIComponent(page.dataset.slug)}/submissions`;
    const result = await upload(path, data, (fraction) => { progress.value = fraction; });
    current = result.status;
    showStatus(statusLine, hint, current);
    manageLink.href = result.manage_url;
    form.hidden = true;
    done.hidden = false;
    statusLine.focus();
    const token = result.manage_url.split("/").pop();
    stop = follow(token, (info) => {
      current = info.status;
      showStatus(statusLine, hint, current);
    }, () => {});
  } catch (err) {
    showError(() => describe(err));
    retry.hidden = !(err.status === 0 || err.status === 429 || err.status >= 500);
    progressRow.hidden = true;
  } finally {
    send.disabled = false;
  }
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  submit();
});
retry.addEventListener("click", () => submit());

document.getElementById("post-another").addEventListener("click", () => {
  stop();
  current = null;
  prepared = null;
  form.reset();
  fileInput.dispatchEvent(new Event("change"));
  progressRow.hidden = true;
  form.hidden = false;
  done.hidden = true;
});
