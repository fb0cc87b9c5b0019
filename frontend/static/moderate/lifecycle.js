// The event's lifecycle on the console (docs/lifecycle.md): a banner while it rehearses (its
// posts are test posts, marked TEST, and go when it goes live), is still a draft, or has ended.
// Read on every (re)load of the queue, which a change of state triggers (queue.resync).

import { api } from "../common/api.js";

const TEXT = {
  draft: "Draft: this event takes no posts yet.",
  rehearsal: "Rehearsal: posts are test posts (marked TEST). They are removed everywhere when the event goes live.",
  ended: "This event has ended: it takes no more posts and its screens show the closing screen.",
};

export function showEventState(banner, state) {
  banner.dataset.state = state || "";
  banner.textContent = TEXT[state] || "";
  banner.hidden = !TEXT[state];
}

export async function refreshEventState(slug, banner) {
  try {
    const event = await api("GET", `/api/events/${encodeURIComponent(slug)}`);
    showEventState(banner, event.state);
  } catch {
    // the next reload tries again
  }
}
