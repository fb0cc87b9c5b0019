// The masonry board of the big screen: columns of cards that reach the bottom edge, so the screen
// is covered (board-arrange.js says where each card goes and how tall it is: photos are cropped
// a little more or less to make a column end exactly at the bottom).
//
// Cards keep their column and their place in it. A card that leaves fades where it is, and the
// card that comes on stage in the same change takes its place, growing or shrinking from the
// leaving card's size while the rest of that column adjusts; the other columns stay still for
// the people reading them. Positions and heights move together, driven from one clock per
// change (not by CSS transitions, which restart at different times and would let cards cross),
// so no card ever slides over another.
//
// The board tells the pacer how many places it has: it starts from two per column, shrinks at
// once when a card fits nowhere, and grows by one, a while after the last shrink, when a trial
// layout with the next card (measured unseen, see preview()) still fits every card.

import { arrangeCards, fitsOneMore, typicalSize } from "./board-arrange.js";

const GROW_AFTER_MS = 3000;
const MOVE_MS = 700;
const LEAVE_MS = 700; // the fade (wall.css)
const LEAVE_AT_MOST_MS = 3000;
const stillScreen = matchMedia("(prefers-reduced-motion: reduce)");

export class BoardLayout {
  constructor(host, { onCapacity }) {
    this.element = document.createElement("div");
    this.element.className = "layout layout-masonry layout-board";
    host.append(this.element);
    this.onCapacity = onCapacity;
    this.order = []; // cards in board order, and places just left ({ hole, column, rect })
    this.columnOf = new Map(); // card -> its column
    this.drawn = new Map(); // card -> { x, y, h } as last drawn
    this.motion = null; // { start, from: Map, to: Map }: the change being animated
    this.fading = new Map(); // leaving card -> the card that took its place
    this.pending = false;
    this.seen = { columns: 0, width: 0 };
    this.resizes = new ResizeObserver(() => this.schedule());
    this.resizes.observe(this.element);
    this.places = Math.max(3, this.columns * 2);
    // Re-measure now and then: fonts load, growing waits after a shrink.
    this.refit = setInterval(() => this.schedule(), 2000);
  }

  get capacity() {
    return this.places;
  }

  get columns() {
    const style = getComputedStyle(this.element);
    return Math.max(1, parseInt(style.getPropertyValue("--columns"), 10) || 1);
  }

  get gap() {
    return parseFloat(getComputedStyle(this.element).columnGap) || 0;
  }

  get columnWidth() {
    return (this.element.clientWidth - this.gap * (this.columns - 1)) / this.columns;
  }

  enter(card) {
    if (this.measuring === card) this.measuring = null;
    card.classList.remove("measuring");
    this.#domPlace(card);
    const at = this.order.findIndex((c) => c.hole);
    if (at >= 0 && this.order[at].rect) {
      // The place a card just left, in the same change: it starts there, at that size, and the
      // leaving card fades out within it.
      const { column, rect, card: leaving } = this.order[at];
      this.order.splice(at, 1, leaving, card);
      this.columnOf.set(card, column);
      this.fading.set(leaving, card);
      card.style.width = `${this.columnWidth}px`;
      card.classList.add("sized");
      this.#draw(card, rect);
    } else {
      this.order.push(card);
    }
    this.schedule();
  }

  refresh(card) {
    if (card.parentNode !== this.element) return;
    if (!this.order.includes(card)) {
      // The same post re-rendered (an edit): the new card takes the old one's place.
      const at = this.order.findIndex((c) => !c.hole && c !== card && c.dataset.postId === card.dataset.postId);
      if (at >= 0) {
        const old = this.order[at];
        this.order[at] = card;
        this.#forget(old, card);
      } else {
        this.order.push(card);
      }
    }
    this.#domPlace(card);
    this.schedule();
  }

  // A card fades where it is; the card that comes on stage in the same change takes its place
  // (see enter()), or, if none does, it folds up as the cards below it close the gap.
  leave(card) {
    const rect = this.drawn.get(card) ?? null; // as the screen shows it now
    const at = this.order.indexOf(card);
    const column = this.columnOf.get(card);
    this.motion?.from.delete(card);
    this.motion?.to.delete(card);
    if (at >= 0) this.order[at] = rect && column !== undefined ? { hole: true, column, rect, card } : card;
    if (rect) this.#draw(card, rect);
    this.#retire(card);
    this.schedule();
  }

  // The next card to come on stage, ready but not shown: measured at the column width, unseen,
  // so the board knows whether it would fit. One at a time; a later call replaces it.
  preview(card) {
    if (this.measuring === card) return;
    if (this.measuring?.classList.contains("measuring")) this.measuring.remove();
    this.measuring = null;
    if (!card || card.parentNode) return;
    card.classList.add("measuring");
    this.element.append(card);
    this.measuring = card;
  }

  destroy() {
    clearInterval(this.refit);
    this.resizes.disconnect();
    this.element.remove();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.layout();
    });
  }

  layout() {
    const limit = this.element.clientHeight;
    if (limit <= 0) return;
    const columns = this.columns;
    const gap = this.gap;
    const width = this.columnWidth;
    const now = performance.now();
    const resized = columns !== this.seen.columns || Math.abs(width - this.seen.width) > 0.5;
    if (resized) {
      // A new screen size: every card finds a place again, at once.
      this.columnOf.clear();
      this.drawn.clear();
      this.motion = null;
      this.seen = { columns, width };
    }
    // The board in order: cards on stage, and cards leaving with no successor (they fold up).
    const entries = [];
    for (const entry of this.order) {
      const card = entry.hole ? entry.card : entry;
      if (card.parentNode === this.element) entries.push(card);
      else this.#forget(card); // gone: faded out, or taken off at once (a retraction)
    }
    for (const [leaving, successor] of this.fading) {
      if (leaving.parentNode !== this.element || successor.parentNode !== this.element) this.fading.delete(leaving);
    }
    this.order = entries;
    const leaving = (card) => card.classList.contains("leaving");
    const cards = entries.filter((card) => !leaving(card));
    const sizes = cards.map((card) => this.#size(card, width));
    const { slots, hidden } = arrangeCards(
      sizes.map((size, i) => ({
        ...size,
        column: this.columnOf.get(cards[i]) ?? null,
        shown: cards[i].classList.contains("placed"),
      })),
      { columns, gap, limit },
    );
    const slotOf = new Map(cards.map((card, i) => [card, slots[i]]));
    for (const [old, card] of this.fading) {
      // The card could not take the place after all: the old one folds up instead.
      const slot = slotOf.get(card);
      if (!slot?.visible || slot.column !== this.columnOf.get(old)) this.fading.delete(old);
    }
    // Each column's cards, top to bottom, with where they go.
    const stacks = Array.from({ length: columns }, () => []);
    const folding = (card) => {
      const column = this.columnOf.get(card);
      if (column !== undefined && column < columns && this.drawn.has(card)) stacks[column].push({ card, fold: true });
    };
    const order = [];
    for (const card of entries) {
      if (leaving(card)) {
        if (!this.fading.has(card)) folding(card);
        order.push(card);
        continue;
      }
      const slot = slotOf.get(card);
      const was = this.columnOf.get(card);
      if (card.classList.contains("placed") && this.drawn.has(card) && was !== undefined && (!slot.visible || slot.column !== was)) {
        // A card on screen that must go (hidden, or moved to a column left bare): a copy of it
        // folds up where it was, so its column closes up without a hole.
        const ghost = card.cloneNode(true);
        ghost.removeAttribute("data-post-id");
        ghost.setAttribute("aria-hidden", "true");
        this.element.insertBefore(ghost, card);
        this.columnOf.set(ghost, was);
        this.#draw(ghost, this.drawn.get(card));
        ghost.classList.add("leaving");
        this.#retire(ghost);
        folding(ghost);
        order.push(ghost);
        this.#forget(card);
      }
      order.push(card);
      card.classList.toggle("off-screen", !slot.visible);
      if (!slot.visible) {
        this.#forget(card);
        continue;
      }
      stacks[slot.column].push({ card, slot });
    }
    this.order = order;
    const still = stillScreen.matches || resized;
    const from = new Map();
    const to = new Map();
    stacks.forEach((stack, column) => {
      const x = column * (width + gap);
      let bottom = 0; // of the cards above, where they go
      for (const item of stack) {
        item.target = item.fold ? { x, y: bottom, h: 0 } : { x, y: item.slot.y, h: item.slot.height };
        bottom = item.target.y + item.target.h;
      }
      // Where they start: where they are, if they are already in this column and in this order;
      // anything new to the column opens up from nothing between the cards above and below.
      const here = (item) => this.columnOf.get(item.card) === column && this.drawn.has(item.card);
      const anyHere = stack.some(here);
      let above = 0;
      for (const item of stack) {
        let start = still || !anyHere ? item.target : null;
        if (!start && here(item)) {
          const current = this.drawn.get(item.card); // as the screen shows it now
          if (current && current.y >= above - 0.5) start = current;
        }
        if (!start) start = { x, y: above, h: 0 };
        above = start.y + start.h;
        this.columnOf.set(item.card, column);
        if (!item.fold) {
          item.card.style.width = `${width}px`;
          item.card.classList.add("sized");
        }
        from.set(item.card, start);
        to.set(item.card, item.target);
      }
    });
    this.motion = { start: now, from, to };
    this.#step(now);
    for (const card of to.keys()) {
      if (!card.classList.contains("placed") && !leaving(card)) {
        void card.offsetWidth; // drawn in place first, so its entrance plays there
        card.classList.add("placed");
      }
    }
    this.#fit({ columns, gap, limit, sizes, slots, hidden });
  }

  // Draw the change in progress at `time`, and ask for the next frame until it is done.
  #step(time) {
    const motion = this.motion;
    if (!motion) return;
    const eased = easeOut(time - motion.start);
    for (const [card, target] of motion.to) this.#draw(card, between(motion.from.get(card), target, eased));
    if (eased < 1) {
      requestAnimationFrame((t) => {
        if (this.motion === motion) this.#step(Math.max(t, performance.now()));
      });
    } else {
      this.motion = null;
    }
  }

  #draw(card, rect) {
    card.style.transform = `translate(${rect.x.toFixed(1)}px, ${rect.y.toFixed(1)}px)`;
    card.style.height = `${Math.max(0, rect.h).toFixed(1)}px`;
    this.drawn.set(card, rect);
    // A leaving card fades within the card that took its place, wherever that goes.
    for (const [old, next] of this.fading) if (next === card) this.#draw(old, rect);
  }

  // A leaving card goes once it has faded within its successor, or folded up; the DOM holds
  // only what is on screen.
  #retire(card) {
    card.classList.add("leaving");
    const since = performance.now();
    const check = () => {
      if (card.parentNode !== this.element) return;
      const folded = (this.drawn.get(card)?.h ?? 0) < 0.5;
      if (this.fading.has(card) || folded || performance.now() - since > LEAVE_AT_MOST_MS) {
        card.remove();
        this.#forget(card);
        this.schedule();
      } else {
        setTimeout(check, 100);
      }
    };
    setTimeout(check, LEAVE_MS);
  }

  // Drop what the board knew of `card` (handing it to `successor`, if any).
  #forget(card, successor = null) {
    if (successor) {
      if (this.columnOf.has(card)) this.columnOf.set(successor, this.columnOf.get(card));
      if (this.drawn.has(card)) this.drawn.set(successor, this.drawn.get(card));
      if (this.motion?.to.has(card)) {
        this.motion.from.set(successor, this.motion.from.get(card));
        this.motion.to.set(successor, this.motion.to.get(card));
      }
    }
    this.columnOf.delete(card);
    this.drawn.delete(card);
    this.fading.delete(card);
    this.motion?.from.delete(card);
    this.motion?.to.delete(card);
  }

  // A card's natural height at the column width, and how much its photo lets it shrink or grow.
  #size(card, width) {
    const height = card.style.height;
    card.style.width = `${width}px`;
    card.style.height = "";
    card.classList.remove("sized");
    const natural = card.offsetHeight;
    const media = card.classList.contains("has-image") ? card.querySelector(".card-video, .card-image:not([hidden])") : null;
    const photo = media ? media.offsetHeight : 0;
    card.style.height = height;
    if (height) card.classList.add("sized");
    return { natural, least: natural - photo / 2, most: natural + photo };
  }

  // Pinned cards first in the document, then by the order they went on stage, newest first
  // (what assistive technology reads; where cards are drawn is the board's business).
  #domPlace(card) {
    const rank = (c) => [c.classList.contains("pinned") ? 1 : 0, Number(c.dataset.stageOrder || 0)];
    const [pin, order] = rank(card);
    const next = [...this.element.children].find((c) => {
      if (c === card || c.classList.contains("leaving")) return false;
      const [p, o] = rank(c);
      return pin !== p ? pin > p : order > o;
    });
    this.element.insertBefore(card, next || null);
  }

  // Shrink at once when cards do not fit; grow by one when a trial layout with the next card
  // (or, unmeasured, a typical one) still fits, but not for a while after a shrink, so the board
  // does not churn around the limit. data-settled says the board is as full as it will get.
  #fit({ columns, gap, limit, sizes, slots, hidden }) {
    const now = performance.now();
    let places = this.places;
    let settled = true;
    if (hidden > 0) {
      places = Math.max(columns, sizes.length - hidden);
      this.shrunkAt = now;
      settled = false;
    } else if (sizes.length >= places && places < columns * 6) {
      if (now - (this.shrunkAt ?? -Infinity) <= GROW_AFTER_MS) {
        settled = false; // it will try again
      } else {
        const laidOut = sizes.map((size, i) => ({ ...size, column: slots[i].column }));
        const next = this.measuring ? this.#size(this.measuring, this.columnWidth) : typicalSize(laidOut);
        if (fitsOneMore(laidOut, next, { columns, gap, limit })) places += 1;
      }
    }
    this.element.dataset.settled = String(settled && places === this.places);
    this.element.dataset.places = String(places);
    if (places !== this.places) {
      this.places = places;
      this.onCapacity(places);
    }
  }
}

// How far a change has got after `elapsed` ms: eased out, never past the end.
function easeOut(elapsed) {
  const progress = Math.min(1, Math.max(0, elapsed / MOVE_MS));
  return 1 - (1 - progress) ** 3;
}

function between(from, to, t) {
  return { x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t, h: from.h + (to.h - from.h) * t };
}
