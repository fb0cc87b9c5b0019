// The analytics page: fetches the figures, fills tiles, charts and ranked lists; refreshes every
// 30 s while "live" is ticked; admins save the ambassador list.

import { api } from "../common/api.js";
import { drawMultiplier, drawTimeline } from "./charts.js";
import { duration, percent } from "./series.js";

const REFRESH_MS = 30_000;
const main = document.querySelector(".report");
const slug = main.dataset.slug;
const base = `/api/events/${encodeURIComponent(slug)}`;
const windowSelect = document.getElementById("window");
const live = document.getElementById("live");
const errorBox = document.getElementById("error");
let timer = null;
let last = null;

function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function ranked(id, items, name, count) {
  const list = document.getElementById(id);
  const rows = items.map((item) => {
    const li = document.createElement("li");
    const n = document.createElement("span");
    n.className = "name";
    n.textContent = name(item);
    const c = document.createElement("span");
    c.className = "count";
    c.textContent = String(count(item));
    li.append(n, c);
    return li;
  });
  if (!rows.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = "none yet";
    rows.push(li);
  }
  list.replaceChildren(...rows);
}

function tiles(f) {
  const t = f.totals;
  const shown = {
    posts: t.posts, contributors: t.contributors, approval_rate: percent(t.approval_rate),
    median_decision_seconds: duration(t.median_decision_seconds),
    p90_decision_seconds: duration(t.p90_decision_seconds),
    ambassadors: t.ambassadors, guests: t.guests, set_off: f.swarm.set_off,
  };
  for (const el of document.querySelectorAll("[data-total]")) {
    el.textContent = String(shown[el.dataset.total]);
  }
}

function render(f) {
  last = f;
  tiles(f);
  const when = new Date(f.generated_at).toLocaleString();
  document.getElementById("generated").textContent =
    `${f.totals.posts} posts · as of ${when} · first posts count as set off within ${f.window_minutes} min of an ambassador's post`;
  drawTimeline(document.getElementById("timeline-chart"), f.timeline);
  drawMultiplier(document.getElementById("multiplier-chart"), f.swarm.multiplier);
  ranked("top-ambassadors", f.swarm.top_ambassadors, (a) => a.ambassador, (a) => a.first_posts);
  ranked("hashtags", f.hashtags, (h) => `#${h.tag}`, (h) => h.posts);
  ranked("busiest", f.busiest_minutes, (b) => clock(b.minute), (b) => b.posts);
  ranked("screens", f.screens, (s) => s.screen, (s) => s.posts);
}

async function refresh() {
  clearTimeout(timer);
  const w = windowSelect.value;
  document.getElementById("csv").href = `${base}/analytics.csv?window=${w}`;
  document.getElementById("json").href = `${base}/analytics?window=${w}`;
  try {
    render(await api("GET", `${base}/analytics?window=${w}`));
    errorBox.hidden = true;
  } catch (err) {
    errorBox.textContent = `Could not load the figures: ${err.message}`;
    errorBox.hidden = false;
  }
  if (live.checked) timer = setTimeout(refresh, REFRESH_MS);
}

async function loadAmbassadors() {
  const got = await api("GET", `${base}/ambassadors`);
  document.getElementById("trusted").textContent =
    got.trusted_authors.length ? got.trusted_authors.map((h) => `@${h}`).join(", ") : "none";
  const list = document.getElementById("ambassador-list");
  list.value = got.handles.join("\n");
  // editable once loaded (admins only), so nothing typed before is overwritten
  const save = document.querySelector("#ambassador-form button");
  if (save && main.dataset.role === "admin") {
    list.readOnly = false;
    save.disabled = false;
  }
}

document.getElementById("ambassador-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const note = document.getElementById("ambassador-note");
  const handles = document.getElementById("ambassador-list").value.split("\n")
    .map((h) => h.trim()).filter(Boolean);
  try {
    const saved = await api("PUT", `${base}/ambassadors`, { handles });
    document.getElementById("ambassador-list").value = saved.handles.join("\n");
    note.textContent = `Saved: ${saved.handles.length} handles.`;
    refresh();
  } catch (err) {
    note.textContent = `Not saved: ${err.message}`;
  }
});

windowSelect.addEventListener("change", refresh);
live.addEventListener("change", () => (live.checked ? refresh() : clearTimeout(timer)));
document.getElementById("print").addEventListener("click", () => window.print());
document.getElementById("tools").addEventListener("submit", (e) => e.preventDefault());
let resizing = null;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => last && render(last), 200);
});

refresh();
loadAmbassadors().catch((err) => {
  document.getElementById("ambassador-note").textContent = err.message;
});
