// The attendee form: text, optional photo, name and consent; then a link to follow the post.

import { api } from "../common/api.js";

const page = document.getElementById("post-page");
const form = document.getElementById("post-form");
const error = document.getElementById("post-error");
const done = document.getElementById("post-done");
const statusLine = document.getElementById("post-status");
const manageLink = document.getElementById("manage-link");
const STATUS_TEXT = { pending: "Waiting for approval", approved: "On the wall", rejected: "Not shown", hidden: "Taken down" };

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
    statusLine.textContent = STATUS_TEXT[result.status] || result.status;
    manageLink.href = result.manage_url;
    form.hidden = true;
    done.hidden = false;
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
});

document.getElementById("post-another").addEventListener("click", () => {
  form.reset();
  form.hidden = false;
  done.hidden = true;
});
