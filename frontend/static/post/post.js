// The attendee form: text, optional photo (previewed), name and consent; then the post's status,
// kept current, and a link to follow or take it down later.

import { api } from "../common/api.js";
import { follow, showStatus } from "./status.js";

const page = document.getElementById("post-page");
const form = document.getElementById("post-form");
const error = document.getElementById("post-error");
const done = document.getElementById("post-done");
const statusLine = document.getElementById("post-status");
const hint = document.getElementById("post-hint");
const manageLink = document.getElementById("manage-link");
const fileInput = form.elements.namedItem("image");
const preview = document.getElementById("post-preview");
let stop = () => {};

fileInput.addEventListener("change", () => {
  if (preview.src) URL.revokeObjectURL(preview.src);
  const file = fileInput.files && fileInput.files[0];
  preview.hidden = !file;
  if (file) preview.src = URL.createObjectURL(file);
  else preview.removeAttribute("src");
});
preview.addEventListener("error", () => { preview.hidden = true; });

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const data = new FormData(form);
    const file = data.get("image");
    if (file && file.size === 0) data.delete("image");
    const result = await api("POST", `/api/events/${encodeURIComponent(page.dataset.slug)}/submissions`, data);
    showStatus(statusLine, hint, result.status);
    manageLink.href = result.manage_url;
    form.hidden = true;
    done.hidden = false;
    statusLine.focus();
    const token = result.manage_url.split("/").pop();
    stop = follow(token, (info) => showStatus(statusLine, hint, info.status), () => {});
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
});

document.getElementById("post-another").addEventListener("click", () => {
  stop();
  form.reset();
  fileInput.dispatchEvent(new Event("change"));
  form.hidden = false;
  done.hidden = true;
});
