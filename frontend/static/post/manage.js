// The author's private page: the post's status, kept current, its first photo or video, and a way
// to take it down.

import { api } from "../common/api.js";
import { displayableUrl } from "../common/media.js";
import { initLanguage, language, t } from "./i18n.js";
import { follow, managePath, showStatus } from "./status.js";

const page = document.getElementById("manage-page");
const statusLine = document.getElementById("manage-status");
const hint = document.getElementById("manage-hint");
const text = document.getElementById("manage-text");
const image = document.getElementById("manage-image");
const player = document.getElementById("manage-video");
const videoNote = document.getElementById("manage-video-note");
const withdraw = document.getElementById("manage-withdraw");
const token = page.dataset.token;
let stop = () => {};
let last = null;
let shown = null;         // the media item on show, once its URL is set
let relabel = () => {};   // re-renders the video's note in the page's language

// A video shows its first frame and plays muted, inline; a note says it is a video and how long,
// which is all there is to see where this browser cannot decode it (HEVC from an iPhone).
function showVideo(item) {
  const seconds = Number(item.duration);
  player.addEventListener("loadedmetadata", () => { player.hidden = false; }, { once: true });
  player.src = `${displayableUrl(item.url)}#t=0.1`;
  videoNote.hidden = false;
  return () => {
    videoNote.textContent = Number.isFinite(seconds) && seconds > 0
      ? t("videoLength", { s: seconds.toLocaleString(language(), { maximumFractionDigits: 1 }) })
      : t("video");
  };
}

function show(data) {
  last = data;
  showStatus(statusLine, hint, data.status);
  if (data.post) {
    text.textContent = data.post.text || "";
    text.hidden = !data.post.text;
    const item = (data.post.media || []).find(
      (m) => (m.kind === "image" || m.kind === "video") && displayableUrl(m.url));
    if (item && !shown) {
      shown = item;
      if (item.kind === "video") {
        relabel = showVideo(item);
      } else {
        image.addEventListener("load", () => { image.hidden = false; }, { once: true });
        image.src = displayableUrl(item.url);
      }
    }
    relabel();
  }
  withdraw.hidden = data.status === "withdrawn"; // a takedown deletes the post, whatever its status
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
