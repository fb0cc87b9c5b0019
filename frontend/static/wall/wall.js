// The wall page: cards for approved posts, newest first, bounded in number.

import { WallStream } from "./stream.js";

const MAX_CARDS = 60;
const root = document.getElementById("wall");
const cards = document.getElementById("cards");
const empty = document.getElementById("wall-empty");
const status = document.getElementById("wall-status");
const template = document.getElementById("card-template");
const byId = new Map();

function imageOf(post) {
  return (post.media || []).find((m) => m.kind === "image" && m.url);
}

function buildCard(post) {
  const card = template.content.firstElementChild.cloneNode(true);
  card.dataset.postId = String(post.id);
  card.querySelector(".card-text").textContent = post.text || "";
  card.querySelector(".card-name").textContent = (post.author && post.author.name) || "";
  const handle = post.author && post.author.handle;
  card.querySelector(".card-handle").textContent = handle ? `@${handle.replace(/^@/, "")}` : "";
  card.classList.toggle("pinned", Boolean(post.pinned));
  if (!post.text) card.classList.add("photo-only");
  return card;
}

function place(card, post) {
  const media = imageOf(post);
  if (!media) {
    insert(card);
    return;
  }
  const img = card.querySelector(".card-image");
  const probe = new Image();
  probe.src = media.url;
  probe.decode().then(() => {
    img.src = media.url;
    img.alt = media.alt || "";
    img.hidden = false;
  }).catch(() => card.classList.add("no-image")).finally(() => insert(card));
}

function insert(card) {
  if (!byId.has(card.dataset.postId)) return; // retracted while its image loaded
  const firstUnpinned = [...cards.children].find((c) => !c.classList.contains("pinned"));
  if (card.classList.contains("pinned") || !firstUnpinned) cards.prepend(card);
  else cards.insertBefore(card, firstUnpinned);
  while (cards.children.length > MAX_CARDS) {
    const last = cards.lastElementChild;
    byId.delete(last.dataset.postId);
    last.remove();
  }
  empty.hidden = cards.children.length > 0;
}

function remove(postId) {
  const card = byId.get(String(postId));
  byId.delete(String(postId));
  if (card) card.remove();
  empty.hidden = cards.children.length > 0;
}

function apply(msg) {
  if (msg.type === "post.show") {
    remove(msg.post.id);
    const card = buildCard(msg.post);
    byId.set(card.dataset.postId, card);
    place(card, msg.post);
  } else if (msg.type === "post.retract") {
    remove(msg.post_id);
  } else if (msg.type === "post.pin" || msg.type === "post.unpin") {
    const card = byId.get(String(msg.post_id));
    if (card) {
      card.classList.toggle("pinned", msg.type === "post.pin");
      card.remove();
      insert(card);
    }
  }
  root.dataset.lastSeq = String(stream.lastSeq);
}

const params = new URLSearchParams(location.search);
const stream = new WallStream(root.dataset.slug, {
  token: params.get("token") || "",
  onEvent: apply,
  onReset: () => {
    byId.clear();
    cards.replaceChildren();
    empty.hidden = false;
  },
  onState: (state) => {
    status.dataset.state = state;
    status.title = state;
    root.dataset.state = state;
  },
});
stream.connect();
