// The big screen (/wall/{slug}?screen=NAME&token=...): approved posts, paced for fair screen
// time (pacing.js), in the screen's layout and branding, steered live from the control page.
// Wall-control messages and the screen's settings are described in docs/screens.md.

import * as M from "../common/messages.js";
import { applyBranding, complete } from "./branding.js";
import { Announcer } from "./announcement.js";
import { buildCard, isEmpty, prepareMedia } from "./cards.js";
import { ClosingScreen } from "./closing.js";
import { Crowd } from "./crowd.js";
import { createLayout } from "./layouts.js";
import { Pacer } from "./pacing.js";
import { Snapshot } from "./snapshot.js";
import { WallStream } from "./stream.js";

const TICK_MS = 250;
const HEARTBEAT_MS = 10_000;
const SWEEP_MS = 10 * 60_000; // asks the service worker to drop files the server deleted
const SNAPSHOT_POSTS = 80;
const SWAP_MS = 700;

const root = document.getElementById("wall");
const host = document.getElementById("cards");
const empty = document.getElementById("wall-empty");
const status = document.getElementById("wall-status");
const template = document.getElementById("card-template");
const spotlight = document.getElementById("wall-spotlight");
const removedNotice = document.getElementById("wall-removed");
const announcer = new Announcer(document.getElementById("wall-announcement"));
const closing = new ClosingScreen(root, document.getElementById("wall-closing"));
const slug = root.dataset.slug;
const screenName = root.dataset.screen || "main";
const params = new URLSearchParams(location.search);
const snapshot = new Snapshot(`${slug}:${screenName}`);

const defaults = {
  config: complete(parse(root.dataset.config, {})),
  state: { paused: false, blackout: false, spotlight: null, ...parse(root.dataset.screenState, {}) },
  announcement: parse(root.dataset.announcement, null),
};
let config = defaults.config;
let state = defaults.state;
let announcement = defaults.announcement;
let killed = false; // the event-wide kill switch (wall.pause)

const pacer = new Pacer({ dwellMs: config.pacing.dwell_seconds * 1000, recycleMs: config.pacing.recycle_seconds * 1000 });
const crowd = new Crowd();
const prepared = new Map(); // post id -> {card, ready}: cards being readied for the stage
const onStage = new Map(); // post id -> card
let stageOrder = 0;
let layout = null;
let fetching = false;
let freshStart = true; // set by each hello: whether this connection starts from nothing

function parse(text, fallback) {
  try {
    const value = JSON.parse(text || "null");
    return value ?? fallback;
  } catch {
    return fallback;
  }
}

// --- the stage ------------------------------------------------------------------------------

function matches(post) {
  const media = post.media || [];
  const visual = media.some((m) => m.kind === "image" || m.kind === "video");
  if (config.filters.media === "photos" && !visual) return false;
  if (config.filters.media === "text" && (visual || !post.text)) return false;
  const sources = config.filters.sources || [];
  return sources.length === 0 || sources.includes(post.source);
}

function prepare(post) {
  const id = String(post.id);
  if (prepared.has(id) || onStage.has(id)) return;
  const entry = { card: buildCard(template, post, 0), ready: false };
  prepared.set(id, entry);
  prepareMedia(entry.card, post).then(() => {
    if (prepared.get(id) !== entry) return;
    if (isEmpty(entry.card)) {
      // A photo-only post whose photo cannot load: nothing to show on this screen.
      prepared.delete(id);
      pacer.remove(id);
    } else {
      entry.ready = true;
    }
    tick();
  });
}

function tick() {
  const upcoming = pacer.upcoming(6);
  for (const post of upcoming.slice(0, 4)) prepare(post);
  // A board measures the next card unseen, to know whether one more would fit.
  const next = upcoming.map((p) => prepared.get(String(p.id))).find((entry) => entry?.ready);
  layout.preview?.(next ? next.card : null);
  render(pacer.tick((post) => prepared.get(String(post.id))?.ready === true));
  // Keep only the cards about to be needed (those that went on stage left `prepared` already):
  // the DOM and memory stay bounded.
  const soon = new Set(upcoming.map((p) => String(p.id)));
  for (const id of prepared.keys()) if (!soon.has(id)) prepared.delete(id);
  fetchSpilled();
}

function render({ enter, leave }) {
  for (const id of leave) {
    const card = onStage.get(id);
    onStage.delete(id);
    if (card) layout.leave(card);
  }
  for (const post of enter) {
    const id = String(post.id);
    const entry = prepared.get(id);
    prepared.delete(id);
    const card = entry ? entry.card : buildCard(template, post, 0);
    card.classList.remove("measuring");
    card.dataset.stageOrder = String(++stageOrder);
    card.classList.toggle("pinned", Boolean(post.pinned));
    onStage.set(id, card);
    layout.enter(card, post);
  }
  if (enter.length || leave.length) {
    refresh();
    heartbeatSoon();
  }
}

// A withdrawn post's files leave this screen's offline cache (sw.js) as well as the screen: the
// server deletes them, and a copy on the screen's computer must not outlive the guest's consent.
function forgetFiles(post) {
  if (!post) return;
  const paths = [post.author?.avatar_url, ...(post.media || []).flatMap((m) => Object.values(m || {}))];
  const urls = paths
    .filter((p) => typeof p === "string" && p.startsWith("/media/"))
    .map((p) => new URL(p, location.href).href);
  if (urls.length) navigator.serviceWorker?.controller?.postMessage({ type: "forget", urls });
}

function takeOff(postId) {
  const id = String(postId);
  const card = onStage.get(id);
  onStage.delete(id);
  prepared.delete(id);
  if (card) card.remove(); // a retraction is immediate, with no farewell animation
  refresh();
}

function refresh() {
  empty.hidden = onStage.size > 0;
  root.dataset.cards = String(onStage.size);
}

// During a long burst the pacer keeps only ids; fetch the posts back when their turn nears.
function fetchSpilled() {
  if (fetching) return;
  const ids = pacer.wanted(50);
  if (ids.length === 0) return;
  fetching = true;
  fetchPosts(ids)
    .then((posts) => pacer.restore(ids, posts))
    .catch(() => pacer.unfetched(ids))
    .finally(() => {
      fetching = false;
    });
}

// Approved posts by id, as the stream shows them (GET /api/events/{slug}/wall/posts).
function fetchPosts(ids) {
  return fetch(`/api/events/${encodeURIComponent(slug)}/wall/posts?ids=${ids.join(",")}`)
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
    .then((data) => data.posts || []);
}

// --- layout ---------------------------------------------------------------------------------

function useLayout(name) {
  const old = layout;
  const next = createLayout(name, host, { onCapacity: (n) => pacer.setCapacity(n), crowd });
  layout = next;
  root.dataset.layout = name;
  pacer.setCapacity(next.capacity);
  render(pacer.trim()); // what no longer fits leaves before the new layout is drawn
  if (!old) {
    for (const card of onStage.values()) next.enter(card);
    return;
  }
  // Cross-fade: the new layout is drawn with the same posts above the old one, which then
  // fades out, so the screen is never empty.
  next.element.classList.add("layout-in");
  const ordered = [...onStage.entries()].sort((a, b) => a[1].dataset.stageOrder - b[1].dataset.stageOrder);
  for (const [id, card] of ordered) {
    const copy = card.cloneNode(true);
    copy.classList.remove("placed", "off-screen", "leaving");
    copy.removeAttribute("style");
    onStage.set(id, copy);
    next.enter(copy, pacer.entries.get(id)?.post);
  }
  old.element.classList.add("layout-out");
  requestAnimationFrame(() => next.element.classList.remove("layout-in"));
  setTimeout(() => old.destroy(), SWAP_MS);
}

// --- settings, state, announcements ------------------------------------------------------------

function applyConfig(next) {
  const previous = config;
  config = complete(next);
  applyBranding(root, config);
  pacer.setTiming({ dwellMs: config.pacing.dwell_seconds * 1000, recycleMs: config.pacing.recycle_seconds * 1000 });
  pacer.setFilter(matches);
  if (!layout || config.layout !== previous.layout || root.dataset.layout !== config.layout) useLayout(config.layout);
  tick();
}

function applyState(next) {
  state = { paused: false, blackout: false, spotlight: null, ...next };
  pacer.paused = Boolean(state.paused);
  root.dataset.screenPaused = String(Boolean(state.paused));
  root.dataset.blackout = String(Boolean(state.blackout));
  showSpotlight(state.spotlight);
}

function showSpotlight(postId) {
  spotlight.replaceChildren();
  spotlight.hidden = true;
  root.dataset.spotlight = postId ? String(postId) : "";
  if (!postId) return;
  const known = pacer.entries.get(String(postId))?.post;
  const show = (post) => {
    if (root.dataset.spotlight !== String(post.id)) return;
    const card = buildCard(template, post, 0);
    prepareMedia(card, post).then(() => {
      if (root.dataset.spotlight !== String(post.id)) return;
      spotlight.replaceChildren(card);
      card.classList.add("placed");
      spotlight.hidden = false;
    });
  };
  if (known) {
    show(known);
    return;
  }
  fetchPosts([Number(postId)])
    .then((posts) => posts.forEach(show))
    .catch(() => {});
}

function forThisScreen(msg) {
  return msg.screen === null || msg.screen === undefined || msg.screen === screenName;
}

// --- the stream -------------------------------------------------------------------------------

function apply(msg, { live }) {
  switch (msg.type) {
    case M.POST_SHOW: {
      // On a screen's first connection, the replayed posts are history: they fill the screen,
      // newest first, and recycle; they are not owed a showing each like new ones.
      const history = freshStart && !live;
      if (pacer.add(msg.post, { history }) === "updated") replaceOnStage(msg.post);
      const person = crowd.add(msg.post);
      layout.observe?.(person);
      break;
    }
    case M.POST_RETRACT:
      if (String(msg.post_id) === root.dataset.spotlight) showSpotlight(null);
      forgetFiles(pacer.post(msg.post_id));
      pacer.remove(msg.post_id);
      takeOff(msg.post_id);
      break;
    case M.POST_PIN:
    case M.POST_UNPIN: {
      const pinned = msg.type === M.POST_PIN;
      pacer.setPinned(msg.post_id, pinned);
      const card = onStage.get(String(msg.post_id));
      if (card) {
        card.classList.toggle("pinned", pinned);
        layout.refresh(card);
      }
      break;
    }
    case M.WALL_PAUSE:
    case M.WALL_RESUME:
      // The kill switch: blank the screen at once, keep the cards to come back to.
      killed = msg.type === M.WALL_PAUSE;
      root.dataset.paused = String(killed);
      break;
    case M.WALL_CONFIG:
      // A null config: staff deleted this screen. Say so and keep listening, in case it is
      // created again under the same name (then a config arrives and the screen carries on).
      if (msg.screen !== screenName) break;
      root.dataset.removed = String(!msg.config);
      removedNotice.hidden = Boolean(msg.config);
      if (msg.config) applyConfig(msg.config);
      else snapshot.clear();
      break;
    case M.WALL_STATE:
      if (forThisScreen(msg) && msg.state) applyState({ ...state, ...msg.state });
      break;
    case M.WALL_ANNOUNCE:
      if (forThisScreen(msg)) {
        announcement = msg.announcement || null;
        announcer.show(announcement);
      }
      break;
    case M.WALL_CLOSING:
      closing.show(msg.closing);
      break;
    case M.WALL_COMMAND:
      // One-shot commands act only when they arrive live, never from a replay.
      if (!live || !forThisScreen(msg)) break;
      if (msg.action === "next") pacer.skip();
      if (msg.action === "reload") setTimeout(() => location.reload(), 100);
      break;
    default:
      break;
  }
  root.dataset.lastSeq = String(stream.lastSeq);
  if (root.dataset.removed !== "true") snapshot.schedule(collect);
  tick();
}

function replaceOnStage(post) {
  const id = String(post.id);
  const old = onStage.get(id);
  if (!old) return;
  const card = buildCard(template, post, 0);
  prepareMedia(card, post).then(() => {
    if (onStage.get(id) !== old) return;
    card.dataset.stageOrder = old.dataset.stageOrder;
    card.className = `${card.className} ${[...old.classList].filter((c) => ["placed", "off-screen"].includes(c)).join(" ")}`;
    card.style.cssText = old.style.cssText;
    onStage.set(id, card);
    old.replaceWith(card);
    layout.refresh(card);
  });
}

function collect() {
  const ids = [...pacer.stage, ...pacer.queue, ...pacer.pool].slice(0, SNAPSHOT_POSTS);
  const posts = ids.map((id) => pacer.entries.get(id)?.post).filter(Boolean);
  return { seq: stream.lastSeq, config, state, announcement, killed, posts, saved: Date.now() };
}

// --- heartbeats -------------------------------------------------------------------------------

// crypto.randomUUID() exists only on https and localhost; a wall on http://192.168.x.x needs this.
function randomId() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const clientId = (() => {
  try {
    let id = sessionStorage.getItem("wallserver:client");
    if (!id) {
      id = randomId();
      sessionStorage.setItem("wallserver:client", id);
    }
    return id;
  } catch {
    return randomId();
  }
})();
let beatTimer = null;

function heartbeat() {
  clearTimeout(beatTimer);
  beatTimer = null;
  if (params.has("preview")) return; // the control page's preview is not a screen
  stream.send({
    type: M.HEARTBEAT,
    screen: screenName,
    client: clientId,
    width: window.innerWidth,
    height: window.innerHeight,
    layout: root.dataset.layout,
    last_seq: stream.lastSeq,
    version: root.dataset.version || "",
    offline_since: null,
  });
}

function heartbeatSoon() {
  if (!beatTimer) beatTimer = setTimeout(heartbeat, 1000);
}

// --- start ----------------------------------------------------------------------------------

const saved = snapshot.load();
const stream = new WallStream(slug, {
  token: params.get("token") || "",
  since: saved ? saved.seq : 0,
  onEvent: apply,
  onHello: ({ fresh }) => {
    freshStart = fresh;
    heartbeat();
  },
  onReset: () => {
    snapshot.clear();
    pacer.clear();
    for (const id of [...onStage.keys()]) takeOff(id);
    killed = false;
    root.dataset.paused = "false";
    applyConfig(defaults.config);
    applyState(defaults.state);
    announcer.show(defaults.announcement);
  },
  onState: (connection) => {
    status.dataset.state = connection;
    status.title = connection === "offline" ? "offline: showing the posts it has" : connection;
    root.dataset.state = connection;
  },
});

if (saved) {
  // Back from a reload: what this screen showed, as of saved.seq; the stream resumes from there.
  freshStart = false;
  config = complete(saved.config);
  killed = Boolean(saved.killed);
  root.dataset.paused = String(killed);
  for (const post of saved.posts) {
    pacer.add(post, { history: true });
    crowd.add(post);
  }
  applyConfig(config);
  applyState(saved.state || defaults.state);
  announcement = saved.announcement || null;
  announcer.show(announcement);
} else {
  applyConfig(config);
  applyState(state);
  announcer.show(announcement);
}
root.dataset.lastSeq = String(stream.lastSeq);
closing.showInitial();
refresh();
stream.connect();
setInterval(tick, TICK_MS);
setInterval(heartbeat, HEARTBEAT_MS);
window.addEventListener("resize", heartbeatSoon);

// The service worker keeps this page and what it loaded, so a reload while the server is
// unreachable still shows the screen. It only sees requests made after it started, so it is
// told what this first load fetched.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/wall-sw.js", { scope: "/" }).catch(() => {});
  navigator.serviceWorker.ready.then((registration) => {
    const urls = performance.getEntriesByType("resource").map((e) => e.name);
    registration.active?.postMessage({ type: "keep", page: location.href, urls });
    root.dataset.offlineReady = "true";
    // Files of posts withdrawn while this screen was off, or that it no longer holds, leave
    // the offline cache too: once now, then every few minutes (forgetFiles handles the rest).
    const sweep = () => registration.active?.postMessage({ type: "sweep" });
    sweep();
    setInterval(sweep, SWEEP_MS);
  });
}
