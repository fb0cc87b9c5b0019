// Figures for the team, refreshed every few seconds: queue depth, posts per minute in and out,
// median and 90th-percentile time from arrival to decision per moderator (last 10 minutes).

import { api } from "../common/api.js";

const EVERY_MS = 3000;

function seconds(value) {
  return value < 90 ? `${value}s` : `${Math.round(value / 60)}min`;
}

// ``onFigures(f)`` hears every refresh (the console counts a long queue by it).
export function watchFigures(slug, onFigures = () => {}) {
  const depth = document.getElementById("fig-depth");
  const incoming = document.getElementById("fig-in");
  const outgoing = document.getElementById("fig-out");
  const moderators = document.getElementById("fig-moderators");
  async function refresh() {
    try {
      const f = await api("GET", `/api/events/${encodeURIComponent(slug)}/figures?minutes=10`);
      depth.textContent = String(f.queue_depth);
      incoming.textContent = String(f.in_per_minute);
      outgoing.textContent = String(f.out_per_minute);
      moderators.textContent = f.moderators
        .map((m) => `${m.moderator}: ${m.decisions} decided, median ${seconds(m.median_s)} · p90 ${seconds(m.p90_s)} to decide`)
        .join(" | ");
      onFigures(f);
    } catch {
      // a missed refresh is fine; the next one catches up
    }
  }
  refresh();
  setInterval(refresh, EVERY_MS);
}
