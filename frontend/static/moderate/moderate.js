// The moderation console: the pending queue, live and oldest first; approve/reject by click or
// keyboard (a / r act on the first post still waiting), u undoes this console's last decision.

import { api, backoff, socketUrl } from "../common/api.js";
import { displayableUrl } from "../common/media.js";
import { contained } from "../common/text.js";

const root = document.getElementById("console");
const slug = root.dataset.slug;
const list = document.getElementById("queue");
const empty = document.getElementById("queue-empty");
const count = document.getElementById("queue-count");
const feedStatus = document.getElementById("feed-status");
const notice = document.getElementById("console-message");
const noticeText = document.getElementById("console-text");
const undoButton = document.getElementById("console-undo");
const template = document.getElementById("queue-item");
const items = new Map(); // post id -> {post, el}
const DONE = { approve: "Approved", reject: "Rejected", undo: "Undone" };
let lastDecision = null; // {id, version} of this console's last decision, for undo

function say(text, { undo = false, kind = "info" } = {}) {
  noticeText.textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = !text;
  undoButton.hidden = !undo;
}

function excerpt(post) {
  const text = (post.text || "").replace(/\s+/g, " ").trim() || "(photo)";
  return contained([...text].length > 60 ? `${[...text].slice(0, 59).join("")}…` : text);
}

function refreshCounts() {
  count.textContent = String(items.size);
  empty.hidden = items.size > 0;
}

function render(post) {
  const el = template.content.firstElementChild.cloneNode(true);
  el.dataset.postId = String(post.id);
  el.querySelector(".item-text").textContent = post.text || "(photo only)";
  const { name, handle } = post.author;
  el.querySelector(".item-author").textContent = contained(name || handle || "anonymous");
  el.querySelector(".item-handle").textContent = name && handle ? contained(`@${handle.replace(/^@/, "")}`) : "";
  el.querySelector(".item-source").textContent = post.source;
  el.querySelector(".item-rule").textContent = post.rule_reason ? `· ${post.rule_reason}` : "";
  const image = (post.media || []).find((m) => m.kind === "image" && displayableUrl(m.url));
  if (image) {
    const img = el.querySelector(".item-image");
    img.addEventListener("load", () => { img.hidden = false; }, { once: true });
    img.addEventListener("error", () => img.remove(), { once: true });
    img.alt = image.alt || "";
    img.src = displayableUrl(image.url);
  }
  for (const button of el.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", () => decide(post.id, button.dataset.action));
  }
  return el;
}

function upsert(post) {
  const known = items.get(post.id);
  if (known && known.post.version > post.version) return;
  if (post.status !== "pending") {
    if (known) known.el.remove();
    items.delete(post.id);
    refreshCounts();
    return;
  }
  const el = render(post);
  if (known) {
    known.el.replaceWith(el);
  } else {
    const later = [...items.values()].find((i) => i.post.id > post.id);
    list.insertBefore(el, later ? later.el : null);
  }
  items.set(post.id, { post, el });
  refreshCounts();
}

// The first post in the queue that is not already being decided.
function firstWaiting() {
  for (const el of list.children) {
    if (!el.classList.contains("busy")) return items.get(Number(el.dataset.postId));
  }
  return null;
}

async function decide(postId, action) {
  const item = items.get(postId);
  if (!item || item.el.classList.contains("busy")) return;
  item.el.classList.add("busy");
  try {
    const post = await api("POST", `/api/posts/${postId}/decision`, { action, version: item.post.version });
    upsert(post);
    lastDecision = { id: post.id, version: post.version };
    say(`${DONE[action]}: “${excerpt(post)}”`, { undo: true });
  } catch (err) {
    item.el.classList.remove("busy");
    if (err.status === 409 && err.body && err.body.post) {
      const current = err.body.post;
      upsert(current);
      say(`Already decided: someone else changed this post first (it is now ${current.status}). ` +
        `“${excerpt(current)}”`, { kind: "warn" });
    } else {
      say(err.message, { kind: "error" });
    }
  }
}

async function undo() {
  if (!lastDecision) return;
  const { id, version } = lastDecision;
  lastDecision = null;
  undoButton.hidden = true;
  try {
    const post = await api("POST", `/api/posts/${id}/decision`, { action: "undo", version });
    upsert(post);
    say(`Undone: “${excerpt(post)}” is back in the queue.`);
  } catch (err) {
    say(err.status === 409 ? "Cannot undo: the post changed since." : err.message, { kind: "warn" });
  }
}

async function loadQueue() {
  const data = await api("GET", `/api/events/${encodeURIComponent(slug)}/posts?status=pending&order=oldest&limit=200`);
  const seen = new Set();
  for (const post of data.posts) {
    seen.add(post.id);
    upsert(post);
  }
  for (const [id, item] of items) {
    if (!seen.has(id)) {
      item.el.remove();
      items.delete(id);
    }
  }
  refreshCounts();
}

let attempt = 0;
function connect() {
  feedStatus.dataset.state = "connecting";
  feedStatus.textContent = "connecting";
  const socket = new WebSocket(socketUrl(`/ws/events/${encodeURIComponent(slug)}/moderation`));
  socket.addEventListener("message", (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === "hello") {
      attempt = 0;
      feedStatus.dataset.state = "online";
      feedStatus.textContent = "live";
      loadQueue().catch((err) => say(err.message, { kind: "error" }));
    } else if (msg.type === "queue.resync") {
      loadQueue().catch((err) => say(err.message, { kind: "error" }));
    } else if (msg.post) {
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

undoButton.addEventListener("click", undo);

document.addEventListener("keydown", (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || ev.isComposing) return;
  const target = ev.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement || (target instanceof HTMLElement && target.isContentEditable)) return;
  const key = ev.key.toLowerCase();
  if (key === "u") {
    undo();
    return;
  }
  const first = firstWaiting();
  if (!first) return;
  if (key === "a") decide(first.post.id, "approve");
  if (key === "r") decide(first.post.id, "reject");
});

connect();
