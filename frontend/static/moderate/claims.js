// Claims: the posts this console shows are claimed for its moderator, so no other console
// offers them; claims are renewed while shown and released when they leave the screen.

import { api } from "../common/api.js";
import { QUEUE_CLAIM, QUEUE_RELEASE } from "../common/messages.js";

const RENEW_MS = 20000;

export class Claims {
  constructor(slug, actor, onChange) {
    this.base = `/api/events/${encodeURIComponent(slug)}/claims`;
    this.actor = actor;
    this.onChange = onChange;
    this.mine = new Set();
    this.others = new Map(); // post id -> expiry (ms since epoch)
    this.pending = new Set();
    setInterval(() => this.renew(), RENEW_MS);
    addEventListener("pagehide", () => this.releaseAll());
  }

  heldByOther(id) {
    const until = this.others.get(id);
    if (until === undefined) return false;
    if (until <= Date.now()) {
      this.others.delete(id);
      return false;
    }
    return true;
  }

  // What the server says about a post when the queue is loaded.
  seen(post) {
    if (post.claimed_by && post.claimed_by !== this.actor) this.others.set(post.id, Date.now() + 60000);
    else if (!post.claimed_by) this.others.delete(post.id);
  }

  // A claim or release another console made (or ours, echoed back).
  heard(msg) {
    if (msg.type === QUEUE_CLAIM) {
      for (const c of msg.claims) {
        if (c.by === this.actor) continue;
        this.mine.delete(c.post_id);
        this.others.set(c.post_id, c.until * 1000);
      }
    } else if (msg.type === QUEUE_RELEASE) {
      for (const id of msg.post_ids) this.others.delete(id);
    }
    this.onChange();
  }

  // Claim the posts this console wants to show; others' answers are remembered.
  async want(ids) {
    const needed = ids.filter((id) => !this.mine.has(id) && !this.pending.has(id));
    if (!needed.length) return;
    for (const id of needed) this.pending.add(id);
    try {
      const answer = await api("POST", this.base, { post_ids: needed });
      for (const c of answer.claimed) this.mine.add(c.post_id);
      for (const c of answer.taken) this.others.set(c.post_id, c.until * 1000);
    } finally {
      for (const id of needed) this.pending.delete(id);
      this.onChange();
    }
  }

  // Let go of posts no longer shown here.
  async keepOnly(ids) {
    const keep = new Set(ids);
    const drop = [...this.mine].filter((id) => !keep.has(id));
    if (!drop.length) return;
    for (const id of drop) this.mine.delete(id);
    await api("POST", `${this.base}/release`, { post_ids: drop.slice(0, 50) }).catch(() => {});
  }

  forget(id) {
    this.mine.delete(id);
    this.others.delete(id);
  }

  async renew() {
    const ids = [...this.mine].slice(0, 50);
    if (ids.length) await api("POST", this.base, { post_ids: ids }).catch(() => {});
  }

  releaseAll() {
    const ids = [...this.mine].slice(0, 50);
    if (!ids.length) return;
    const csrf = document.querySelector('meta[name="csrf-token"]');
    fetch(`${this.base}/release`, {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.content : "" },
      body: JSON.stringify({ post_ids: ids }),
    }).catch(() => {});
  }
}
