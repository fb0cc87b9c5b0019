// The attendee form: text, up to four photos (previewed, downscaled in the browser), name and
// consent; an upload with a progress bar that can be retried without retyping; then the post's
// status, kept current, and a link to follow or take it down later.

import { initLanguage, t } from "./i18n.js";
import { shrink } from "./shrink.js";
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

initLanguage(() => { if (current) showStatus(statusLine, hint, current); });

const MAX_PHOTOS = 4;

function picked() {
  return Array.from(fileInput.files || []).filter((f) => f.size > 0);
}

fileInput.addEventListener("change", () => {
  for (const img of preview.querySelectorAll("img")) URL.revokeObjectURL(img.src);
  preview.replaceChildren();
  prepared = null;
  for (const file of picked().slice(0, MAX_PHOTOS)) {
    const img = document.createElement("img");
    img.className = "preview";
    img.alt = "";
    img.addEventListener("error", () => img.remove());
    img.src = URL.createObjectURL(file);
    preview.append(img);
  }
  preview.hidden = !preview.childElementCount;
});

// The photos to send, shrunk once: a retry reuses them.
async function photos() {
  const files = picked();
  if (!prepared || prepared.sources.length !== files.length
      || prepared.sources.some((f, i) => f !== files[i])) {
    progressLabel.textContent = t("preparing");
    const uploads = [];
    for (const file of files) uploads.push(await shrink(file));
    prepared = { sources: files, uploads };
  }
  return prepared.uploads;
}

function describe(err) {
  if (err.status === 0) return t("offline");
  if (err.status === 429) return t("slowDown", { s: err.retryAfter || 60 });
  return err.message;
}

async function submit() {
  error.hidden = true;
  retry.hidden = true;
  if (!consent.checked) {
    consent.reportValidity();
    return;
  }
  if (picked().length > MAX_PHOTOS) {
    error.textContent = t("tooMany");
    error.hidden = false;
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
    error.textContent = describe(err);
    error.hidden = false;
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
