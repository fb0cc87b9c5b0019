// Fair screen time: which approved posts a screen shows, and when. Pure logic: no DOM, no
// timers, and the clock is injected, so tests drive it with a fake clock
// (tests/frontend/test_pacing.py runs this file in V8).
//
// The screen has a stage of `capacity` places (1 for spotlight, a dozen for masonry). Posts
// arrive in approval order and wait in a queue; every one of them goes on stage and stays there
// at least `dwellMs`, oldest first, so a burst queues up and goes faster (one change every
// `gapMs` at most) but never skips a post. When nothing new is waiting, the stage card that has
// been up for `recycleMs` makes way for the approved post least recently shown, so a quiet wall
// still moves. A retracted post leaves the stage, the queue and the recycling pool at once.
//
// Pinned posts take precedence: on a board (capacity >= 3) they stay on stage beside the
// rotation; on a one-post stage they go first and come back every `recycleMs`.
//
// Memory is bounded: at most `keep` posts are held in full in the queue and as many in the
// recycling pool. Beyond that the queue keeps only post ids ("spilled"); the page fetches those
// posts back when their turn comes near (`wanted` / `restore`).

export class Pacer {
  constructor({ now = () => Date.now(), dwellMs = 8000, recycleMs = 20000, gapMs = 400, capacity = 1, keep = 300 } = {}) {
    this.now = now;
    this.dwellMs = dwellMs;
    this.recycleMs = recycleMs;
    this.gapMs = gapMs;
    this.capacity = Math.max(1, capacity);
    this.keep = keep;
    this.entries = new Map(); // id -> {post, order, pinned, shownAt}
    this.queue = []; // ids held in full, not yet shown, in arrival order
    // Ids (as numbers: four bytes each in V8) not yet shown whose post was dropped to save
    // memory; they come after the queue.
    this.spill = [];
    this.inFlight = new Set(); // spilled ids (numbers) the page is fetching back
    this.stage = []; // ids on stage, most recently entered first
    this.pool = new Set(); // ids shown at least once and off stage: the recycling candidates
    this.paused = false;
    this.skipping = false;
    this.lastChange = -Infinity;
    this.order = 0;
    this.filter = () => true;
  }

  // --- what arrives from the stream ---------------------------------------------------------

  // A post.show: a new approved post joins the queue; a known one is updated in place.
  // Returns "new", "updated" (on stage: re-render it) or "known".
  // `history`: the post was approved before this screen first connected (or was shown before
  // a reload); it is not owed a showing and waits in the recycling pool, newest first.
  add(post, { history = false } = {}) {
    const id = String(post.id);
    const entry = this.entries.get(id);
    if (entry) {
      entry.post = post;
      entry.pinned = Boolean(post.pinned);
      return this.stage.includes(id) ? "updated" : "known";
    }
    const number = Number(post.id);
    if (this.inFlight.has(number) || this.spill.includes(number)) return "known";
    if (history) {
      const order = ++this.order;
      this.entries.set(id, { post, order, pinned: Boolean(post.pinned), shownAt: -order });
      this.pool.add(id);
      this.#trimPool();
      return "new";
    }
    if (this.spill.length > 0 || this.queue.length >= this.keep) {
      this.spill.push(number);
      return "new";
    }
    this.entries.set(id, { post, order: ++this.order, pinned: Boolean(post.pinned), shownAt: null });
    this.queue.push(id);
    if (post.pinned) this.#promote(id);
    return "new";
  }

  // The post as queued or shown (null when this screen does not hold it).
  post(postId) {
    return this.entries.get(String(postId))?.post ?? null;
  }

  // A post.retract. Returns true when the post was on stage (the page removes its card now).
  remove(postId) {
    const id = String(postId);
    const onStage = this.stage.includes(id);
    this.stage = this.stage.filter((x) => x !== id);
    this.queue = this.queue.filter((x) => x !== id);
    const at = this.spill.indexOf(Number(postId));
    if (at >= 0) this.spill.splice(at, 1);
    this.inFlight.delete(Number(postId));
    this.pool.delete(id);
    this.entries.delete(id);
    return onStage;
  }

  setPinned(postId, pinned) {
    const entry = this.entries.get(String(postId));
    if (!entry) return false;
    entry.pinned = pinned;
    entry.post = { ...entry.post, pinned };
    if (pinned) this.#promote(String(postId));
    return this.stage.includes(String(postId));
  }

  // Drop everything (the server's wall log was reset).
  clear() {
    for (const id of this.entries.keys()) this.remove(id);
    this.spill = [];
    this.inFlight.clear();
  }

  // --- settings and staff commands -------------------------------------------------------------

  setCapacity(capacity) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  setTiming({ dwellMs = this.dwellMs, recycleMs = this.recycleMs } = {}) {
    this.dwellMs = dwellMs;
    this.recycleMs = recycleMs;
  }

  // Which posts this screen shows at all (e.g. photos only). Posts on stage that no longer
  // match leave at the next tick; queued ones wait in case the filter changes back.
  setFilter(filter) {
    this.filter = filter || (() => true);
  }

  // Staff pressed "next": the next tick changes the stage without waiting for the dwell time.
  skip() {
    this.skipping = true;
  }

  // --- the spilled queue -----------------------------------------------------------------------

  // Spilled ids (numbers) to fetch back now (none when enough posts are queued in full).
  wanted(limit = 50) {
    if (this.spill.length === 0 || this.queue.length > this.keep / 4 || this.inFlight.size > 0) return [];
    const ids = this.spill.splice(0, limit);
    for (const id of ids) this.inFlight.add(id);
    return ids;
  }

  // The fetched posts, in any order. Ids fetched but not returned were retracted meanwhile.
  restore(ids, posts) {
    const byId = new Map(posts.map((p) => [String(p.id), p]));
    for (const number of ids) {
      if (!this.inFlight.delete(number)) continue; // retracted while in flight
      const id = String(number);
      const post = byId.get(id);
      if (!post || this.entries.has(id)) continue;
      this.entries.set(id, { post, order: ++this.order, pinned: Boolean(post.pinned), shownAt: null });
      this.queue.push(id);
    }
  }

  // Put fetched-back ids at the front of the spill again (the fetch failed; try later).
  unfetched(ids) {
    const back = ids.filter((id) => this.inFlight.delete(id));
    this.spill.unshift(...back);
  }

  // --- the clock -------------------------------------------------------------------------------

  // The next posts worth preparing (decoding their images) before they go on stage.
  upcoming(limit = 3) {
    const out = [];
    for (const id of this.#candidates()) {
      out.push(this.entries.get(id).post);
      if (out.length >= limit) break;
    }
    return out;
  }

  // Advance the stage to `now`. `ready(post)` says whether a post may go on stage yet (its
  // image is decoded); the first candidate that is not ready holds the line, so order is kept.
  // Returns {enter: [post...], leave: [id...]} for the page to render.
  tick(ready = () => true) {
    const now = this.now();
    const changes = this.trim();
    if (this.board) {
      for (const id of this.#pinnedIds()) {
        if (!this.stage.includes(id) && this.#matches(id) && ready(this.entries.get(id).post)) this.#enter(id, now, changes);
      }
    }
    if (this.paused) return changes;
    for (;;) {
      const rotating = this.#rotating();
      const full = rotating.length >= this.capacityForRotation;
      const next = this.#next(now, full ? rotating.at(-1) : null);
      if (next === null) break;
      if (!ready(this.entries.get(next).post)) break;
      this.#enter(next, now, changes); // first: leaving may trim the pool `next` came from
      if (full) this.#leave(rotating.at(-1), changes);
      this.skipping = false;
      if (full) break; // one change per tick when the stage is full
    }
    return changes;
  }

  // Take off stage what no longer matches the filter or no longer fits (after a layout change).
  trim() {
    const changes = { enter: [], leave: [] };
    for (const id of this.stage.filter((x) => !this.#matches(x))) this.#leave(id, changes);
    while (this.#rotating().length > this.capacityForRotation) this.#leave(this.#rotating().at(-1), changes);
    return changes;
  }

  // --- internals ---------------------------------------------------------------------------

  get board() {
    return this.capacity >= 3;
  }

  get capacityForRotation() {
    if (!this.board) return this.capacity;
    const pinnedOnStage = this.stage.filter((id) => this.entries.get(id)?.pinned).length;
    return Math.max(1, this.capacity - pinnedOnStage);
  }

  #matches(id) {
    const entry = this.entries.get(id);
    return Boolean(entry) && this.filter(entry.post);
  }

  #pinnedIds() {
    return [...this.entries.entries()].filter(([, e]) => e.pinned).sort((a, b) => a[1].order - b[1].order).map(([id]) => id);
  }

  // Stage places that rotate (on a board, pinned posts stay put).
  #rotating() {
    return this.board ? this.stage.filter((id) => !this.entries.get(id)?.pinned) : this.stage;
  }

  // The posts that could go on stage next, best first: unseen ones in arrival order (on a
  // one-post stage, pinned ones first), then recycling candidates, least recently shown first.
  *#candidates() {
    const unseen = this.queue.filter((id) => this.#matches(id) && !(this.board && this.entries.get(id).pinned));
    yield* unseen;
    yield* this.#recyclable();
  }

  #recyclable() {
    const ids = [...this.pool].filter((id) => this.#matches(id) && !(this.board && this.entries.get(id).pinned));
    return ids.sort((a, b) => {
      const ea = this.entries.get(a);
      const eb = this.entries.get(b);
      return ea.shownAt - eb.shownAt || ea.order - eb.order;
    });
  }

  // The id to put on stage now, or null. `outgoing` is the place it would take (null: a free place).
  #next(now, outgoing) {
    const unseen = this.queue.find((id) => this.#matches(id) && !(this.board && this.entries.get(id).pinned));
    const recyclable = this.#recyclable();
    const recycled = recyclable[0] ?? null;
    if (outgoing === null) return unseen ?? recycled;
    const age = now - this.entries.get(outgoing).shownAt;
    if (!this.board) {
      // A pinned post that has been off stage for recycleMs goes before anything else.
      const due = recyclable.find((id) => this.entries.get(id).pinned && now - this.entries.get(id).shownAt >= this.recycleMs);
      if (due && (this.skipping || age >= this.dwellMs)) return due;
    }
    if (unseen !== undefined) {
      if (this.skipping || (age >= this.dwellMs && now - this.lastChange >= this.gapMs)) return unseen;
      return null;
    }
    if (recycled !== null && (this.skipping || age >= this.recycleMs)) return recycled;
    return null;
  }

  #promote(id) {
    if (this.board) return; // a board shows pinned posts beside the rotation
    const at = this.queue.indexOf(id);
    if (at > 0) {
      this.queue.splice(at, 1);
      this.queue.unshift(id);
    }
  }

  #enter(id, now, changes) {
    const entry = this.entries.get(id);
    this.queue = this.queue.filter((x) => x !== id);
    this.pool.delete(id);
    entry.shownAt = now;
    this.stage.unshift(id);
    this.lastChange = now;
    changes.enter.push(entry.post);
  }

  #leave(id, changes) {
    this.stage = this.stage.filter((x) => x !== id);
    changes.leave.push(id);
    const entry = this.entries.get(id);
    if (!entry) return;
    this.pool.add(id);
    this.#trimPool();
  }

  // Forget the oldest posts of the recycling pool beyond `keep` (pinned ones are kept).
  #trimPool() {
    if (this.pool.size <= this.keep) return;
    const oldest = [...this.pool].filter((id) => !this.entries.get(id).pinned).sort((a, b) => this.entries.get(a).order - this.entries.get(b).order);
    for (const id of oldest.slice(0, this.pool.size - this.keep)) {
      this.pool.delete(id);
      this.entries.delete(id);
    }
  }
}
