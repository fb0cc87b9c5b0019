// An attendee's post status, as words, and a poll that follows it (the manage token is the key).

import { api } from "../common/api.js";

export const STATUS_TEXT = {
  pending: "Waiting for approval",
  approved: "On the wall",
  rejected: "Not shown",
  hidden: "Taken down",
};

export const STATUS_HINT = {
  pending: "A moderator looks at it in a moment. This page updates by itself.",
  approved: "Look up at the screens! You can still take it down below.",
  rejected: "A moderator decided not to show this post.",
  hidden: "It is no longer shown anywhere.",
};

export function showStatus(line, hint, status) {
  line.textContent = STATUS_TEXT[status] || status;
  line.dataset.status = status;
  if (hint) hint.textContent = STATUS_HINT[status] || "";
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
