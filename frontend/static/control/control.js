// The control page (/control/SLUG): every screen of the event with its heartbeats, steering
// for one screen or all, announcements, spotlight, and (admins) settings and branding with a
// live preview. It polls GET .../screens every 2 s; a screen is offline after 30 s of silence.

import { api } from "../common/api.js";
import { showAnnouncement, wireAnnouncements } from "./announce.js";
import { Branding } from "./branding.js";
import { command } from "./commands.js";
import { say } from "./notice.js";
import { Preview } from "./preview.js";
import { ScreenTable } from "./screens.js";
import { Spotlight } from "./spotlight.js";

const POLL_MS = 2000;
const POSTS_MS = 20000;
const $ = (id) => document.getElementById(id);
const root = $("control");
const slug = root.dataset.slug;
const base = `/api/events/${encodeURIComponent(slug)}`;
const pollStatus = $("poll-status");
const killButton = $("kill");
let pollTimer = null;
let failures = 0;

// The preview iframe is a wall page of this origin: it takes its client id from the session
// storage it shares with this page (frontend/static/wall/wall.js). The preview sends no heartbeats,
// but an older cached wall script may, so this page gives it an id of its own (kept across reloads
// of this tab) before the frame loads: a wall page that ran earlier in this tab had another id and
// is counted as the wall it was, and a beat with this id is the preview's, which is not a wall.
const CLIENT_KEY = "wallserver:client";

function ownPreviewClient() {
  try {
    let id = sessionStorage.getItem(CLIENT_KEY);
    if (!id || !id.startsWith("preview-")) {
      const bytes = crypto.getRandomValues(new Uint8Array(12)); // randomUUID needs https
      id = `preview-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
      sessionStorage.setItem(CLIENT_KEY, id);
    }
    return id;
  } catch {
    return null;
  }
}
const previewClient = ownPreviewClient();

// Loads the frame, so only after its client id is set.
const preview = new Preview($("preview"), $("preview-frame"), $("preview-name"), slug);
const brandingForm = $("branding-form");
const branding = brandingForm ? new Branding(brandingForm, base, () => poll()) : null;
const spotlight = new Spotlight(base, () => poll());

const table = new ScreenTable({
  table: $("screens-table"),
  template: $("screen-group"),
  appVersion: root.dataset.appVersion,
  onCommand: async (screen, body) => {
    if (await command(base, screen, body)) poll();
  },
  onPreview: (screen) => choose(screen),
  onDelete: async (screen) => {
    if (!window.confirm(`Delete screen “${screen}”? Walls showing it stop getting its settings.`)) return;
    try {
      await api("DELETE", `${base}/screens/${encodeURIComponent(screen)}`);
      say(`Screen “${screen}” deleted.`);
      poll();
    } catch (err) {
      say(`Could not delete “${screen}”: ${err.message}`, "error");
    }
  },
});

function choose(screen) {
  for (const select of document.querySelectorAll(".screen-choice")) {
    select.value = screen;
    select.dispatchEvent(new Event("change"));
  }
}

// Keep every screen picker's options equal to the screens, keeping what was chosen.
function syncPickers(names) {
  for (const select of document.querySelectorAll(".screen-target, .screen-choice")) {
    const keepAll = select.classList.contains("screen-target");
    const wanted = keepAll ? ["", ...names] : names;
    const have = [...select.options].map((o) => o.value);
    if (have.join("\n") === wanted.join("\n")) continue;
    const chosen = select.value;
    select.replaceChildren(...wanted.map((name) => {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name || "all screens";
      return option;
    }));
    select.value = wanted.includes(chosen) ? chosen : wanted[0];
  }
}

// As on the console: the poll, the press's answer and a second console's press can arrive out
// of order, so each state carries its seq and an older one never undoes a newer one; the button
// is disabled until the state is known and while a press is on its way.
let killSeq = -1;
function showKill(paused, seq) {
  if (typeof seq !== "number" || seq < killSeq) return;
  killSeq = seq;
  killButton.dataset.paused = String(paused);
  killButton.setAttribute("aria-pressed", String(paused));
  killButton.textContent = paused ? "Kill switch ON: screens blank · resume" : "Kill switch: blank every screen";
}

async function poll() {
  clearTimeout(pollTimer);
  try {
    const data = await api("GET", `${base}/screens`);
    failures = 0;
    pollStatus.dataset.state = "online";
    pollStatus.textContent = "live";
    syncPickers(data.screens.map((s) => s.name));
    table.update({ ...data, previewClient });
    if (branding) branding.show(data.screens);
    spotlight.show(data.screens);
    showAnnouncement(data);
    showKill(data.kill_switch, data.kill_switch_seq);
    if (!killButton.dataset.pressing) killButton.disabled = false;
    root.dataset.loaded = "true";
    if (!data.heartbeats) say("Heartbeats are unavailable (the server cannot reach its broker): screens may be online although shown offline.", "warn");
  } catch (err) {
    failures += 1;
    pollStatus.dataset.state = "offline";
    pollStatus.textContent = failures > 1 ? `no answer (${failures})` : "no answer";
    if (err.status === 401) say("Your session ended: log in again.", "error");
  } finally {
    pollTimer = setTimeout(poll, POLL_MS);
  }
}

killButton.addEventListener("click", async () => {
  const paused = killButton.dataset.paused !== "true";
  killButton.dataset.pressing = "true";
  killButton.disabled = true;
  try {
    const answer = await api("POST", `${base}/kill`, { paused });
    showKill(answer.paused, answer.seq);
    say(answer.paused ? "Kill switch on: every screen is blank." : "Kill switch off: screens show posts again.");
  } catch (err) {
    say(`Kill switch failed: ${err.message}`, "error");
  } finally {
    delete killButton.dataset.pressing;
    killButton.disabled = killSeq < 0;
  }
});

for (const button of document.querySelectorAll(".steer-all button[data-command]")) {
  button.addEventListener("click", async () => {
    if (await command(base, null, { action: button.dataset.command })) poll();
  });
}
$("all-layout").addEventListener("change", async (ev) => {
  const layout = ev.target.value;
  if (!layout) return;
  if (await command(base, null, { action: "layout", layout })) poll();
  ev.target.value = "";
});
$("preview-screen").addEventListener("change", (ev) => preview.show(ev.target.value));
$("announce-target").addEventListener("change", () => poll());

const create = $("screen-create");
if (create) {
  create.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("new-screen");
    const name = input.value.trim().toLowerCase();
    try {
      await api("POST", `${base}/screens`, { name });
      input.value = "";
      say(`Screen “${name}” added: open /wall/${slug}?screen=${name} on its display.`);
      poll();
    } catch (err) {
      say(`Could not add “${name}”: ${err.message}`, "error");
    }
  });
}

wireAnnouncements(base, () => poll());
spotlight.load();
setInterval(() => spotlight.load(), POSTS_MS);
poll();
