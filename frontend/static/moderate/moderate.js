// The moderation console: the queue, live and oldest first, claimed for this moderator as it is
// shown; keyboard first (? lists the keys), bulk actions, filters, history, the kill switch.
// Decisions are optimistic: the post leaves the queue at once and the next one (already claimed)
// takes its place in the same frame; if the server refuses, the post comes back with the reason.

import { api, backoff, socketUrl } from "../common/api.js";
import { displayableUrl } from "../common/media.js";
import * as M from "../common/messages.js";
import { contained } from "../common/text.js";
import { dressPreview } from "./branding.js";
import { Claims } from "./claims.js";
import { editor, showHistory } from "./dialogs.js";
import { watchFigures } from "./figures.js";
import { refreshEventState } from "./lifecycle.js";
import { Stage } from "./stage.js";

const VISIBLE = 10; // posts shown (and claimed) at a time
const AHEAD = 3; // claimed beyond those shown, ready to move up without a round trip
const NOTICE_MS = 8000; // on a phone a message covers the bar (and the kill switch): not for long
const PAGE = 200; // waiting posts fetched at once, oldest first
const REFILL_AT = 50; // fetch again when fewer of those are left, so older posts come before newer
const STEP = 50; // posts of another view (on the wall, rejected, hidden) shown at first and per "Load older"
const FOUND = 50; // posts the server answers a search with at once
const SEARCH_DELAY_MS = 250; // the server is asked once typing pauses
const phone = matchMedia("(max-width: 40rem)"); // one post at a time: the stage is the console
const root = document.getElementById("console");
const slug = root.dataset.slug;
const list = document.getElementById("queue");
const empty = document.getElementById("queue-empty");
const count = document.getElementById("queue-count");
const more = document.getElementById("more");
const olderButton = document.getElementById("load-older");
const olderNote = document.getElementById("older-note");
const feedStatus = document.getElementById("feed-status");
const notice = document.getElementById("console-message");
const noticeText = document.getElementById("console-text");
const undoButton = document.getElementById("console-undo");
const template = document.getElementById("queue-item");
const killButton = document.getElementById("kill");
const help = document.getElementById("help");
const approveVisible = document.getElementById("approve-visible");
const approveSelected = document.getElementById("approve-selected");
const rejectSelected = document.getElementById("reject-selected");
const filters = {
  status: document.getElementById("f-status"),
  source: document.getElementById("f-source"),
  verdict: document.getElementById("f-verdict"),
  media: document.getElementById("f-media"),
  search: document.getElementById("f-search"),
};
const posts = new Map(); // post id -> post (moderator view)
// Decisions in flight: post id -> the status the decision will give it (null when that is not
// known in advance, as for undo or pin). Until the server answers, the post counts as having it.
const busy = new Map();
const TARGET = { approve: "approved", reject: "rejected", hide: "hidden" };
const selected = new Set();
const skipped = new Set(); // posts skipped on a phone: shown after the others
const STATUS_LABEL = { pending: "waiting", approved: "on the wall", rejected: "rejected", hidden: "hidden", withdrawn: "withdrawn by its author" };
const DONE = { approve: "Approved", reject: "Rejected", hide: "Retracted", pin: "Pinned", unpin: "Unpinned", undo: "Undone" };
const claims = new Claims(slug, root.dataset.actor, () => render());
const stage = new Stage({
  decide: (id, action) => decide(id, action),
  skip: () => move(1),
  history: (id) => showHistory(id),
  edit: (id) => openEdit(id),
  author: (post, action) => judgeAuthor(post, action),
});
let shown = []; // ids on screen, in order
let cursor = 0;
// A waiting queue longer than one page is held in part: the oldest PAGE posts (ids up to
// loadedUpTo) and whatever arrived live since. Infinity: every waiting post is here.
let loadedUpTo = Infinity;
let refilling = false;
let serverDepth = 0; // the server's count of waiting posts (figures), for a queue held in part
// Another view holds the newest posts of its status: every one from id viewCursor up (the
// server's next_cursor; null: all of them). It shows `showing` of them; "Load older" shows more
// and fetches the next page once the loaded ones are all shown.
let viewCursor = null;
let showing = STEP;
let loadingOlder = false;
// In a view held in part the browser cannot search alone: the server is asked too. Its answer
// is for one search text in one view: the ids found, and its next_cursor (null: all found).
// `asked` numbers the requests; only the latest one's answer is taken.
const search = { q: "", status: "", found: new Set(), cursor: null, asked: 0, timer: 0 };
let lastDecision = null; // {id, after: Promise of the post after it} of this console's last decision

let noticeTimer = 0;
function say(text, { undo = false, kind = "info" } = {}) {
  noticeText.textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = !text;
  undoButton.hidden = !undo;
  clearTimeout(noticeTimer);
  // On a phone the message floats over the bar: news goes by itself, warnings wait for a tap.
  if (text && kind === "info" && phone.matches) noticeTimer = setTimeout(() => { notice.hidden = true; }, NOTICE_MS);
}

function excerpt(post) {
  const text = (post.text || "").replace(/\s+/g, " ").trim() || "(photo)";
  return contained([...text].length > 60 ? `${[...text].slice(0, 59).join("")}…` : text);
}

// The status a post has for this console: a decision in flight counts as done.
function statusOf(post) {
  return busy.get(post.id) || post.status;
}

function matches(post) {
  if (statusOf(post) !== filters.status.value) return false;
  if (filters.source.value && post.source !== filters.source.value) return false;
  const verdict = filters.verdict.value;
  if (verdict === "none" && post.rule) return false;
  if (verdict === "any" && !post.rule) return false;
  if (verdict.startsWith("rule:") && post.rule !== verdict.slice(5)) return false;
  const hasMedia = (post.media || []).length > 0;
  if (filters.media.value === "yes" && !hasMedia) return false;
  if (filters.media.value === "no" && hasMedia) return false;
  const q = filters.search.value.trim();
  if (q) {
    const hay = `${post.text} ${post.author.name} ${post.author.handle}`.toLowerCase();
    if (!hay.includes(q.toLowerCase()) && !(answered() && search.found.has(post.id))) return false;
  }
  return true;
}

// Whether this console holds only part of the view's posts (the server says there are more).
function partial() {
  return filters.status.value === "pending" ? loadedUpTo !== Infinity : viewCursor !== null;
}

// The server's answer in hand is for the search and view on screen.
function answered() {
  const q = filters.search.value.trim();
  return q !== "" && search.q === q && search.status === filters.status.value;
}

// A search the server is asked about and has not answered yet.
function searching() {
  return filters.search.value.trim() !== "" && partial() && !answered();
}

// Another view shows its posts newest first without a gap: those from this id up are all here
// (the loaded pages, and what a server search found), older ones wait for "Load older".
function loadedFrom() {
  if (filters.status.value === "pending" || viewCursor === null) return 0;
  if (answered()) return search.cursor === null ? 0 : Math.min(viewCursor, search.cursor);
  return viewCursor;
}

// Where the next page of this view starts: null when every post of it (or every one the
// search finds) is here.
function olderCursor() {
  if (filters.status.value === "pending" || viewCursor === null) return null;
  if (filters.search.value.trim()) return answered() && search.cursor !== null ? loadedFrom() : null;
  return viewCursor;
}

function candidates() {
  const pending = filters.status.value === "pending";
  const from = loadedFrom();
  const all = [...posts.values()].filter((p) => p.id >= from && matches(p));
  const later = (p) => (skipped.has(p.id) ? 1 : 0);
  all.sort((a, b) => (pending ? later(a) - later(b) || a.id - b.id : b.id - a.id));
  return pending ? all.filter((p) => !claims.heldByOther(p.id)) : all;
}

function card(post) {
  const el = template.content.firstElementChild.cloneNode(true);
  el.dataset.postId = String(post.id);
  el.querySelector(".item-text").textContent = post.text || "(photo only)";
  const { name, handle } = post.author;
  el.querySelector(".item-author").textContent = contained(name || handle || "anonymous");
  el.querySelector(".item-handle").textContent = name && handle ? contained(`@${handle.replace(/^@/, "")}`) : "";
  el.querySelector(".item-source").textContent = post.source;
  el.querySelector(".item-rule").textContent = post.rule_reason ? `· ${post.rule_reason}` : "";
  el.querySelector(".item-test").hidden = !post.rehearsal; // docs/lifecycle.md
  el.classList.toggle("rehearsal", Boolean(post.rehearsal));
  const image = (post.media || []).find((m) => m.kind === "image" && displayableUrl(m.url));
  if (image) {
    const img = el.querySelector(".item-image");
    img.addEventListener("load", () => { img.hidden = false; }, { once: true });
    img.addEventListener("error", () => img.remove(), { once: true });
    img.alt = image.alt || "";
    img.src = displayableUrl(image.url);
  }
  const pending = post.status === "pending";
  el.querySelector(".approve").hidden = post.status === "approved";
  el.querySelector(".reject").hidden = post.status === "rejected";
  el.querySelector(".retract").hidden = post.status !== "approved";
  for (const button of el.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", () => decide(post.id, button.dataset.action));
  }
  const pin = el.querySelector(".pin");
  pin.hidden = post.status !== "approved";
  pin.textContent = post.pinned ? "Unpin" : "Pin";
  pin.dataset.action = post.pinned ? "unpin" : "pin";
  el.querySelector(".history-button").addEventListener("click", () => showHistory(post.id));
  el.querySelector(".edit-button").addEventListener("click", () => openEdit(post.id));
  for (const button of el.querySelectorAll("button[data-author]")) {
    button.addEventListener("click", () => judgeAuthor(post, button.dataset.author));
  }
  const box = el.querySelector(".item-select");
  box.checked = selected.has(post.id);
  box.addEventListener("change", () => toggleSelect(post.id, box.checked));
  el.classList.toggle("busy", busy.has(post.id));
  el.dataset.status = post.status;
  el.hidden = false;
  if (!pending) el.classList.add("decided");
  return el;
}

let renderQueued = false;
function render() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => {
    renderQueued = false;
    draw();
  });
}

function draw() {
  const pending = filters.status.value === "pending";
  // Claim a few more than are shown, so the next card is already ours when one is decided.
  const shows = phone.matches ? 1 : VISIBLE;
  const wanted = candidates().slice(0, pending ? shows + AHEAD : showing);
  // Claims are for the waiting queue: another view lets them go, so no post waits for us.
  claims.keepOnly(pending ? wanted.map((p) => p.id) : []);
  if (pending) claims.want(wanted.map((p) => p.id));
  const visible = pending ? wanted.filter((p) => claims.mine.has(p.id)).slice(0, shows) : wanted;
  const ids = visible.map((p) => p.id);
  const same = ids.length === shown.length && ids.every((id, i) => id === shown[i]);
  shown = ids;
  if (!same || list.children.length !== ids.length) {
    list.replaceChildren(...visible.map(card));
  } else {
    visible.forEach((p, i) => {
      const old = list.children[i];
      if (Number(old.dataset.version || 0) !== p.version || old.classList.contains("busy") !== busy.has(p.id)) {
        old.replaceWith(card(p));
      }
    });
  }
  [...list.children].forEach((el, i) => { el.dataset.version = String(posts.get(Number(el.dataset.postId)).version); });
  cursor = Math.min(cursor, Math.max(ids.length - 1, 0));
  [...list.children].forEach((el, i) => {
    el.classList.toggle("current", i === cursor);
    el.querySelector(".item-select").checked = selected.has(Number(el.dataset.postId)); // x selects too
  });
  stage.show(posts.get(shown[cursor]), cursor, ids.length);
  const waiting = [...posts.values()].filter((p) => statusOf(p) === "pending").length;
  const queueCut = loadedUpTo !== Infinity; // the waiting queue is longer than what is loaded
  count.textContent = String(queueCut ? Math.max(waiting, serverDepth) : waiting);
  const offered = candidates().length;
  const rest = (queueCut && pending ? Math.max(offered, serverDepth) : offered) - ids.length;
  more.textContent = rest > 0 ? `${rest} more` : "";
  if (pending && queueCut) refill();
  olderButton.hidden = pending || (rest <= 0 && olderCursor() === null);
  olderButton.disabled = loadingOlder;
  olderNote.textContent = loadingOlder ? "Loading older posts…" : searching() && ids.length ? searchingText(pending) : "";
  empty.hidden = ids.length > 0;
  if (!ids.length) empty.textContent = emptyText(pending);
  approveVisible.hidden = !pending;
  approveSelected.hidden = filters.status.value === "approved";
  rejectSelected.hidden = filters.status.value === "rejected";
  approveSelected.disabled = selected.size === 0;
  rejectSelected.disabled = selected.size === 0;
}

function searchingText(pending) {
  return pending ? "Searching every waiting post…" : "Searching older posts too…";
}

// Why the list is empty, so an empty screen is never mistaken for an empty queue.
function emptyText(pending) {
  const narrowed = filters.source.value || filters.verdict.value || filters.media.value ||
    filters.search.value.trim();
  if (searching()) return searchingText(pending);
  if (narrowed) return "No post here matches these filters.";
  if (!pending) return `No posts ${STATUS_LABEL[filters.status.value]}.`;
  const held = [...posts.values()].filter((p) => statusOf(p) === "pending" && claims.heldByOther(p.id)).length;
  if (held) {
    return `All ${held} waiting ${held === 1 ? "post is" : "posts are"} on other moderators' screens. ` +
      "A post comes back here if it is not decided within a minute.";
  }
  return "Nothing waiting. New posts appear here live.";
}

function upsert(post) {
  const known = posts.get(post.id);
  if (known && known.version > post.version) return;
  posts.set(post.id, post);
  if (post.status !== "pending") {
    claims.forget(post.id);
    if (filters.status.value === "pending") selected.delete(post.id);
  }
  offer(filters.source, post.source, post.source);
  if (post.rule) offer(filters.verdict, `rule:${post.rule}`, `rule: ${post.rule.replace(/_/g, " ")}`);
  render();
}

// A filter option for a value seen on a post (a source, a rule), added once.
function offer(select, value, label) {
  if (![...select.options].some((o) => o.value === value)) select.add(new Option(label, value));
}

function toggleSelect(id, on) {
  if (on) selected.add(id);
  else selected.delete(id);
  render();
}

function decide(postId, action) {
  const post = posts.get(postId);
  if (!post || busy.has(postId)) return Promise.resolve(null);
  const target = TARGET[action] || null;
  busy.set(postId, target);
  if (target) {
    claims.forget(postId); // the decision releases the claim on the server
    selected.delete(postId);
  }
  draw(); // in this frame: the post leaves and the next one, claimed ahead, moves up
  const done = send(post, action);
  lastDecision = { id: postId, after: done };
  return done;
}

// Send one decision; resolves with the post after it, or null when it was refused (the post is
// then shown as the server has it, and the moderator reads why).
async function send(post, action) {
  const verb = (DONE[action] || "Done").toLowerCase();
  try {
    const after = await api("POST", `/api/posts/${post.id}/decision`, { action, version: post.version });
    busy.delete(post.id);
    upsert(after);
    say(`${DONE[action] || "Done"}: “${excerpt(after)}”`, { undo: true });
    return after;
  } catch (err) {
    busy.delete(post.id);
    const current = err.status === 409 && err.body && err.body.post;
    if (current && current.status !== post.status) {
      upsert(current);
      say(`Already decided: someone else changed this post first (it is now ${current.status}). ` +
        `“${excerpt(current)}”`, { kind: "warn" });
    } else if (current) {
      upsert(current);
      say(`Not ${verb}: the post changed meanwhile (edited by someone else), so it is back ` +
        `for another look. “${excerpt(current)}”`, { kind: "warn" });
    } else {
      say(`Not ${verb}: ${err.message}. “${excerpt(post)}” is back in the queue.`, { kind: "error" });
    }
    render();
    return null;
  }
}

async function decideMany(ids, action) {
  // Posts already where the action would put them are left alone (not sent to fail).
  const todo = ids.filter((id) => posts.has(id) && statusOf(posts.get(id)) !== TARGET[action]);
  const results = await Promise.all(todo.map((id) => decide(id, action)));
  const done = results.filter(Boolean).length;
  if (todo.length && done === todo.length) say(`${DONE[action]}: ${todo.length} posts`, { undo: false });
}

function approveAllVisible() {
  if (filters.status.value !== "pending") {
    say("Approve all visible works on the waiting queue only.", { kind: "warn" });
    return;
  }
  decideMany([...shown], "approve");
}

async function undo() {
  if (!lastDecision) return;
  const last = lastDecision;
  lastDecision = null;
  undoButton.hidden = true;
  const decided = await last.after; // pressed before the server answered: wait for it
  if (!decided || busy.has(decided.id)) return;
  busy.set(decided.id, null);
  render();
  try {
    const post = await api("POST", `/api/posts/${decided.id}/decision`, { action: "undo", version: decided.version });
    busy.delete(decided.id);
    upsert(post);
    say(`Undone: “${excerpt(post)}” is ${post.status === "pending" ? "back in the queue" : `${post.status} again`}.`);
  } catch (err) {
    busy.delete(decided.id);
    render();
    say(err.status === 409 ? "Cannot undo: the post changed since." : err.message, { kind: "warn" });
  }
}

async function judgeAuthor(post, action) {
  const who = post.author.handle || post.author.name;
  try {
    await api("POST", `/api/posts/${post.id}/author`, { action });
    say(action === "ban" ? `Banned ${who}: their next posts are rejected.` :
      `Trusted ${who}: their next posts go straight to the wall.`);
  } catch (err) {
    say(err.message, { kind: "error" });
  }
}

const openEdit = editor({ posts, upsert, say, excerpt });

// The oldest waiting posts are running out: fetch the next ones before the newer ones that
// arrived live can overtake them.
function refill() {
  if (refilling) return;
  const left = [...posts.values()].filter((p) => p.id <= loadedUpTo && statusOf(p) === "pending").length;
  if (left >= REFILL_AT) return;
  refilling = true;
  loadQueue()
    .catch((err) => say(err.message, { kind: "error" }))
    .finally(() => { refilling = false; });
}

function postsUrl(params) {
  return `/api/events/${encodeURIComponent(slug)}/posts?${new URLSearchParams(params)}`;
}

async function loadQueue() {
  const status = filters.status.value;
  const order = status === "pending" ? "oldest" : "newest";
  // Posts heard of on the feed while the request runs are newer than its answer: keep them.
  const known = [...posts.values()].filter((p) => p.status === status).map((p) => p.id);
  const data = await api("GET", postsUrl({ status, order, limit: PAGE }));
  if (status === "pending") {
    loadedUpTo = data.next_cursor == null ? Infinity : Math.max(...data.posts.map((p) => p.id));
  } else if (status === filters.status.value) {
    viewCursor = data.next_cursor;
  }
  const listed = new Set(data.posts.map((p) => p.id));
  const keep = (id) => listed.has(id) || (answered() && search.found.has(id)); // results on screen stay
  for (const id of known) if (!keep(id) && posts.get(id)?.status === status) posts.delete(id);
  for (const post of data.posts) {
    claims.seen(post);
    upsert(post);
  }
  render();
  askServer(0);
}

// The search box changed, or the view: when the view is held in part, ask the server too,
// once typing pauses. Only the answer to the latest request counts.
function askServer(delay = SEARCH_DELAY_MS) {
  clearTimeout(search.timer);
  if (!filters.search.value.trim()) search.q = ""; // an emptied search is asked afresh next time
  if (!filters.search.value.trim() || !partial() || answered()) return;
  search.timer = setTimeout(() => {
    findOnServer().catch((err) => say(`Search: ${err.message}`, { kind: "error" }));
  }, delay);
}

// One page of the posts the server finds for the search on screen, from `cursor` on (older
// ones in another view, newer ones in the waiting queue).
async function findOnServer(cursor = null) {
  const q = filters.search.value.trim();
  const status = filters.status.value;
  const asked = ++search.asked;
  const params = { status, order: status === "pending" ? "oldest" : "newest", limit: FOUND, q };
  if (cursor !== null) params.cursor = cursor;
  let data;
  try {
    data = await api("GET", postsUrl(params));
  } catch (err) {
    if (asked === search.asked && cursor === null) Object.assign(search, { q, status, found: new Set(), cursor: null });
    render(); // the browser's own matches stand
    throw err;
  }
  if (asked !== search.asked || q !== filters.search.value.trim() || status !== filters.status.value) return;
  const found = cursor === null ? new Set() : search.found;
  for (const post of data.posts) found.add(post.id);
  Object.assign(search, { q, status, found, cursor: data.next_cursor });
  for (const post of data.posts) {
    claims.seen(post);
    upsert(post);
  }
  render();
}

// "Load older": show the next posts of this view, fetching them when all loaded ones are shown.
async function loadOlder() {
  if (loadingOlder) return;
  showing += STEP;
  const cursor = olderCursor();
  if (candidates().length >= showing || cursor === null) return void render();
  loadingOlder = true;
  render();
  const status = filters.status.value;
  try {
    if (filters.search.value.trim()) {
      await findOnServer(cursor);
    } else {
      const data = await api("GET", postsUrl({ status, order: "newest", limit: PAGE, cursor }));
      if (status !== filters.status.value || viewCursor !== cursor) return; // reloaded meanwhile
      for (const post of data.posts) upsert(post);
      viewCursor = data.next_cursor;
    }
  } catch (err) {
    say(`Could not load older posts: ${err.message}`, { kind: "error" });
  } finally {
    loadingOlder = false;
    render();
  }
}

// The kill switch's state comes from three places (the press's answer, the feed's wall.paused,
// the GET on each hello) that can arrive out of order: each carries the seq of the change it
// reports, and an older one never undoes a newer one. The button stays disabled until the state
// is known, so a press before that cannot toggle the wrong way, and while a press is on its way.
let pausedSeq = -1;
let pressing = false;
function showPaused(paused, seq) {
  if (typeof seq !== "number" || seq < pausedSeq) return;
  pausedSeq = seq;
  killButton.dataset.paused = String(paused);
  killButton.setAttribute("aria-pressed", String(paused));
  killButton.textContent = paused ? "Screens paused · resume" : "Pause all screens";
  killButton.disabled = pressing;
}

function loadPaused() {
  api("GET", `/api/events/${encodeURIComponent(slug)}/kill`)
    .then((s) => showPaused(s.paused, s.seq))
    .catch(() => {});
}

killButton.addEventListener("click", async () => {
  const paused = killButton.dataset.paused !== "true";
  pressing = true;
  killButton.disabled = true;
  try {
    const answer = await api("POST", `/api/events/${encodeURIComponent(slug)}/kill`, { paused });
    showPaused(answer.paused, answer.seq);
  } catch (err) {
    say(err.message, { kind: "error" });
  } finally {
    pressing = false;
    killButton.disabled = pausedSeq < 0;
  }
});

let attempt = 0;
function connect() {
  feedStatus.dataset.state = "connecting";
  feedStatus.textContent = "connecting";
  const socket = new WebSocket(socketUrl(`/ws/events/${encodeURIComponent(slug)}/moderation`));
  socket.addEventListener("message", (ev) => {
    const msg = M.parseMessage(ev.data);
    if (!msg) return;
    if (msg.type === M.HELLO || msg.type === M.QUEUE_RESYNC) {
      attempt = 0;
      feedStatus.dataset.state = "online";
      feedStatus.textContent = "live";
      loadQueue().catch((err) => say(err.message, { kind: "error" }));
      loadPaused();
      refreshEventState(slug, document.getElementById("event-state"));
    } else if (msg.type === M.QUEUE_CLAIM || msg.type === M.QUEUE_RELEASE) {
      claims.heard(msg);
    } else if (msg.type === M.WALL_PAUSED) {
      showPaused(msg.paused, msg.seq);
    } else if ((msg.type === M.QUEUE_NEW || msg.type === M.QUEUE_UPDATE) && msg.post) {
      upsert(msg.post);
    }
  });
  socket.addEventListener("close", (ev) => {
    feedStatus.dataset.state = "offline";
    feedStatus.textContent = "offline";
    if (ev.code === 4401) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    setTimeout(connect, backoff(attempt++));
  });
}

// Next or previous post. On a phone, where one post is shown, "next" puts it at the back of
// this console's queue (and lets its claim go); once every post was skipped, the round restarts.
function move(step) {
  if (phone.matches && step > 0 && shown.length) {
    skipped.add(shown[0]);
    if (candidates().every((p) => skipped.has(p.id))) skipped.clear();
  }
  cursor = Math.max(0, Math.min(cursor + step, shown.length - 1));
  draw();
}

// "a": approve the current post. One already on the wall stays there (Retract takes it down).
function approve(id) {
  const post = posts.get(id);
  if (post.status !== "approved") return void decide(id, "approve");
  say(`Already on the wall: “${excerpt(post)}”. Retract (or r) takes it down.`);
}

function current() {
  const free = shown.filter((id) => !busy.has(id));
  const id = shown[cursor];
  return id !== undefined && !busy.has(id) ? id : free[0];
}

undoButton.addEventListener("click", undo);
document.getElementById("console-dismiss").addEventListener("click", () => say(""));
approveVisible.addEventListener("click", approveAllVisible);
approveSelected.addEventListener("click", () => decideMany([...selected], "approve"));
rejectSelected.addEventListener("click", () => decideMany([...selected], "reject"));
filters.status.addEventListener("change", () => {
  selected.clear();
  showing = STEP;
  viewCursor = null; // until the view's first page says
  loadQueue().catch((err) => say(err.message, { kind: "error" }));
});
for (const key of ["source", "verdict", "media"]) filters[key].addEventListener("change", render);
phone.addEventListener("change", render);
filters.search.addEventListener("input", () => {
  render();
  askServer();
});
olderButton.addEventListener("click", loadOlder);
document.getElementById("filters").addEventListener("submit", (ev) => ev.preventDefault());
setInterval(render, 5000); // others' claims expire

document.addEventListener("keydown", (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || ev.isComposing) return;
  const target = ev.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement || (target instanceof HTMLElement && target.isContentEditable)) {
    if (ev.key === "Escape" && target === filters.search) {
      filters.search.value = ""; // as Chromium does natively, in every browser
      render();
      askServer();
    }
    if (ev.key === "Escape" && target instanceof HTMLElement) target.blur();
    return;
  }
  if (document.querySelector("dialog[open]")) return; // Esc closes dialogs natively
  const key = ev.key;
  if (key === "?") {
    help.showModal();
    return;
  }
  if (key === "u") return void undo();
  if (key === "/") {
    ev.preventDefault();
    filters.search.focus();
    return;
  }
  if (key === "A") return void approveAllVisible();
  if (key === "j" || key === "ArrowDown") return void move(1);
  if (key === "k" || key === "ArrowUp") return void move(-1);
  const id = current();
  if (id === undefined) return;
  if (key === "a") approve(id);
  if (key === "r") decide(id, "reject");
  if (key === "x") toggleSelect(id, !selected.has(id));
  if (key === "p" && posts.get(id).status === "approved") decide(id, posts.get(id).pinned ? "unpin" : "pin");
  if (key === "h") showHistory(id);
  if (key === "e") {
    ev.preventDefault();
    openEdit(id);
  }
});

connect();
watchFigures(slug, (figures) => {
  serverDepth = figures.queue_depth;
  if (loadedUpTo !== Infinity) render();
});
dressPreview(slug, stage.preview);
