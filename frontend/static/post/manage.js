// The author's private page: the post's status, kept current, and a way to take it down.

import { api } from "../common/api.js";
import { displayableUrl } from "../common/media.js";
import { initLanguage, t } from "./i18n.js";
import { follow, managePath, showStatus } from "./status.js";

const page = document.getElementById("manage-page");
const statusLine = document.getElementById("manage-status");
const hint = document.getElementById("manage-hint");
const text = document.getElementById("manage-text");
const image = document.getElementById("manage-image");
const withdraw = document.getElementById("manage-withdraw");
const token = page.dataset.token;
let stop = () => {};
let last = null;

function show(data) {
  last = data;
  showStatus(statusLine, hint, data.status);
  if (data.post) {
    text.textContent = data.post.text || "";
    text.hidden = !data.post.text;
    const photo = (data.post.media || []).find((m) => m.kind === "image" && displayableUrl(m.url));
    if (photo && !image.src) {
      image.addEventListener("load", () => { image.hidden = false; }, { once: true });
      image.src = displayableUrl(photo.url);
    }
  }
  withdraw.hidden = !(data.status === "pending" || data.status === "approved");
}

function fail(err) {
  statusLine.textContent = err.status === 404 ? t("noPost") : err.message;
  hint.textContent = "";
  withdraw.hidden = true;
}

withdraw.addEventListener("click", async () => {
  withdraw.disabled = true;
  try {
    stop();
    show(await api("DELETE", managePath(token)));
  } catch (err) {
    fail(err);
  } finally {
    withdraw.disabled = false;
  }
});

initLanguage(() => { if (last) show(last); });
stop = follow(token, show, fail);
