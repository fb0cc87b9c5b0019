// The masonry board: as many cards as fit the screen, pinned first, then newest first. It tells
// the pacer how many places it has: it starts from the column count and adapts to what really
// fits, so every card on stage is visible for its dwell time. It grows only after a trial
// layout with the next card (measured unseen, see preview()) shows that every card still fits.

import { Masonry } from "./layout-masonry.js";
import { fitsOneMore, typicalHeight } from "./masonry-place.js";
import { retire } from "./layout-retire.js";

const GROW_AFTER_MS = 3000;

export class BoardLayout {
  constructor(host, { onCapacity }) {
    this.element = document.createElement("div");
    this.element.className = "layout layout-masonry";
    host.append(this.element);
    this.onCapacity = onCapacity;
    this.masonry = new Masonry(this.element, { mode: "fill", onLayout: (fit) => this.#fit(fit) });
    this.places = Math.max(3, this.masonry.columns * 3);
    // Re-measure now and then: growing waits after a shrink, and nothing else may happen.
    this.refit = setInterval(() => this.masonry.schedule(), 2000);
  }

  get capacity() {
    return this.places;
  }

  enter(card) {
    if (this.measuring === card) this.measuring = null;
    card.classList.remove("measuring");
    this.#place(card);
    this.masonry.track(card);
  }

  refresh(card) {
    if (card.parentNode !== this.element) return;
    this.#place(card);
    this.masonry.schedule();
  }

  leave(card) {
    this.masonry.untrack(card);
    retire(card, () => this.masonry.schedule());
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
    this.masonry.destroy();
    this.element.remove();
  }

  #measure(card) {
    card.style.width = `${this.masonry.columnWidth}px`;
    return card.offsetHeight;
  }

  // Pinned cards first, then by the order they went on stage, newest first.
  #place(card) {
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
  #fit({ columns, gap, limit, cards: laidOut, hidden }) {
    const cards = laidOut.length;
    const now = performance.now();
    let places = this.places;
    let settled = true;
    if (hidden > 0) {
      places = Math.max(columns, cards - hidden);
      this.shrunkAt = now;
      settled = false;
    } else if (cards >= places && places < columns * 6) {
      if (now - (this.shrunkAt ?? -Infinity) <= GROW_AFTER_MS) {
        settled = false; // it will try again
      } else {
        const pinned = this.element.querySelectorAll(":scope > .card.pinned:not(.leaving)").length;
        const next = this.measuring ? this.#measure(this.measuring) : typicalHeight(laidOut);
        if (fitsOneMore(laidOut, next, pinned, { columns, gap, limit })) places += 1;
      }
    }
    this.element.dataset.settled = String(settled && places === this.places);
    if (places !== this.places) {
      this.places = places;
      this.onCapacity(places);
    }
  }
}
