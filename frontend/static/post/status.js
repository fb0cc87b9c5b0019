// An attendee's post status, as words in the page's language, and a poll that follows it (the manage token is the key).

import { api } from "../common/api.js";
import { t } from "./i18n.js";

export function showStatus(line, hint, status) {
  line.textContent = t(`status.${status}`);
  line.dataset.status = status;
  if (hint) hint.textContent = t(`hint.${status}`);
}

export function managePath(token) {
  return `/api/manage/${encodeURIComponent(token)}`;
}

// Poll the post every few seconds until it can no longer change; returns a stop function.
export function follow(token, onData, onError, intervalMs = 3000) {
  let timer = null;
  let stopped = false;
  async function tick() {
    try {
      const data = await api("GET", managePath(token));
      if (stopped) return;
      onData(data);
      if (data.status === "rejected" || data.status === "hidden") return;
    } catch (err) {
      if (stopped) return;
      onError(err);
    }
    timer = setTimeout(tick, intervalMs);
  }
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
