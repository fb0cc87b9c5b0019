// The masonry board: as many cards as fit the screen, pinned first, then newest first. It tells
// the pacer how many places it has: it starts from the column count and adapts to what really
// fits, so every card on stage is visible for its dwell time.

import { Masonry } from "./layout-masonry.js";
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

  destroy() {
    clearInterval(this.refit);
    this.masonry.destroy();
    this.element.remove();
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

  // Shrink at once when cards do not fit; grow by one while some column has room to spare,
  // but not for a while after a shrink, so the board does not churn around the limit.
  #fit({ columns, hidden, spare }) {
    const cards = [...this.element.children].filter((c) => !c.classList.contains("leaving")).length;
    const now = performance.now();
    let places = this.places;
    if (hidden > 0) {
      places = Math.max(columns, cards - hidden);
      this.shrunkAt = now;
    } else if (cards >= places && spare > 0.4 && now - (this.shrunkAt ?? -Infinity) > GROW_AFTER_MS) {
      places = Math.min(columns * 6, places + 1);
    }
    if (places !== this.places) {
      this.places = places;
      this.onCapacity(places);
    }
  }
}
