// The phone view (/live): every approved post as a card, pinned first, then newest first, at
// most MAX_CARDS of them, in a page that scrolls. No pacing: phones read at their own speed.

import * as M from "../common/messages.js";
import { applyBranding, complete } from "./branding.js";
import { buildCard, isEmpty, loadImage } from "./cards.js";
import { ClosingScreen } from "./closing.js";
import { Masonry } from "./layout-masonry.js";
import { WallStream } from "./stream.js";

const MAX_CARDS = 60;
const root = document.getElementById("wall");
const cards = document.getElementById("cards");
const empty = document.getElementById("wall-empty");
const status = document.getElementById("wall-status");
const template = document.getElementById("card-template");
const layout = new Masonry(cards, { mode: "grow" });
const closing = new ClosingScreen(root, document.getElementById("wall-closing"));
const byId = new Map(); // post id -> the card shown (or about to be) for it

function ranks(card) {
  return [card.classList.contains("pinned") ? 1 : 0, Number(card.dataset.order)];
}

// Pinned cards first, then by the seq of the event that showed them, newest first.
function comesBefore(a, b) {
  const [pa, oa] = ranks(a);
  const [pb, ob] = ranks(b);
  return pa !== pb ? pa > pb : oa > ob;
}

function insert(card) {
  if (byId.get(card.dataset.postId) !== card) return; // retracted or replaced meanwhile
  if (isEmpty(card)) {
    forget(card.dataset.postId); // photo-only post whose photo cannot load: nothing to show
    return;
  }
  const next = [...cards.children].find((c) => c !== card && comesBefore(card, c));
  cards.insertBefore(card, next || null);
  layout.track(card);
  while (cards.children.length > MAX_CARDS) drop(cards.lastElementChild);
  refresh();
}

function drop(card) {
  if (byId.get(card.dataset.postId) === card) byId.delete(card.dataset.postId);
  if (card.parentNode) {
    layout.untrack(card);
    card.remove();
  }
}

function forget(postId) {
  const card = byId.get(String(postId));
  if (card) drop(card);
  refresh();
}

function refresh() {
  empty.hidden = cards.children.length > 0;
}

function apply(msg) {
  if (msg.type === M.POST_SHOW) {
    forget(msg.post.id);
    const card = buildCard(template, msg.post, msg.seq);
    byId.set(card.dataset.postId, card);
    loadImage(card, msg.post, () => insert(card));
  } else if (msg.type === M.POST_RETRACT) {
    forget(msg.post_id);
  } else if (msg.type === M.WALL_PAUSE || msg.type === M.WALL_RESUME) {
    // The kill switch: blank the screen at once, keep the cards to come back to.
    root.dataset.paused = msg.type === M.WALL_PAUSE ? "true" : "false";
  } else if (msg.type === M.WALL_CLOSING) {
    closing.show(msg.closing);
  } else if (msg.type === M.WALL_CONFIG && msg.screen === "main" && msg.config) {
    applyBranding(root, complete(msg.config)); // phones wear the main screen's colours
  } else if (msg.type === M.POST_PIN || msg.type === M.POST_UNPIN) {
    const card = byId.get(String(msg.post_id));
    if (card) {
      card.classList.toggle("pinned", msg.type === M.POST_PIN);
      if (card.parentNode) insert(card);
    }
  }
  root.dataset.lastSeq = String(stream.lastSeq);
}

const params = new URLSearchParams(location.search);
const stream = new WallStream(root.dataset.slug, {
  token: params.get("token") || "",
  onEvent: apply,
  onReset: () => {
    for (const id of [...byId.keys()]) forget(id);
  },
  onState: (state) => {
    status.dataset.state = state;
    status.title = state;
    root.dataset.state = state;
  },
});
applyBranding(root, complete(JSON.parse(root.dataset.config || "{}")));
closing.showInitial();
stream.connect();
