// The moderation console: the pending queue, live; approve/reject by click or keyboard (a / r).

import { api, backoff, socketUrl } from "../common/api.js";

const root = document.getElementById("console");
const slug = root.dataset.slug;
const list = document.getElementById("queue");
const empty = document.getElementById("queue-empty");
const count = document.getElementById("queue-count");
const feedStatus = document.getElementById("feed-status");
const notice = document.getElementById("console-message");
const template = document.getElementById("queue-item");
const items = new Map(); // post id -> {post, el}

function say(text) {
  notice.textContent = text;
  notice.hidden = !text;
}

function refreshCounts() {
  count.textContent = String(items.size);
  empty.hidden = items.size > 0;
}

function render(post) {
  const el = template.content.firstElementChild.cloneNode(true);
  el.dataset.postId = String(post.id);
  el.querySelector(".item-text").textContent = post.text || "(photo only)";
  el.querySelector(".item-author").textContent = post.author.name || post.author.handle || "anonymous";
  el.querySelector(".item-source").textContent = post.source;
  el.querySelector(".item-rule").textContent = post.rule_reason ? `· ${post.rule_reason}` : "";
  const image = (post.media || []).find((m) => m.kind === "image");
  if (image) {
    const img = el.querySelector(".item-image");
    img.src = image.url;
    img.alt = image.alt || "";
    img.hidden = false;
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
  if (known) known.el.replaceWith(el);
  else list.append(el);
  items.set(post.id, { post, el });
  refreshCounts();
}

async function decide(postId, action) {
  const item = items.get(postId);
  if (!item) return;
  item.el.classList.add("busy");
  try {
    const post = await api("POST", `/api/posts/${postId}/decision`, { action, version: item.post.version });
    upsert(post);
    say("");
  } catch (err) {
    item.el.classList.remove("busy");
    if (err.status === 409 && err.body && err.body.post) {
      upsert(err.body.post);
      say(`Post ${postId} was already decided by someone else (${err.body.post.status}).`);
    } else {
      say(err.message);
    }
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
      loadQueue().catch((err) => say(err.message));
    } else if (msg.type === "queue.resync") {
      loadQueue().catch((err) => say(err.message));
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

document.addEventListener("keydown", (ev) => {
  if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLTextAreaElement) return;
  const first = items.values().next().value;
  if (!first) return;
  if (ev.key === "a") decide(first.post.id, "approve");
  if (ev.key === "r") decide(first.post.id, "reject");
});

connect();
