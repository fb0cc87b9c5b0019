// Masonry: a new card goes to the top of the least filled column with room for it, and cards keep
// their column (masonry-place.js); within a column they stack in DOM order (pinned, then newest
// first). Cards are positioned with transforms, so when a new post arrives the cards of its
// column glide down and the rest of the screen stays still. The number of columns and the gap come from CSS
// (--columns, --gap), which sizes them in viewport units for anything from a phone to a 32:9
// LED wall.
//
// mode "fill": the container has the screen's height; cards that do not fit are marked
//              off-screen and their space goes to the next card that does (the big wall).
// mode "grow": the container grows to the tallest column and the page scrolls (/live).

import { placeCards } from "./masonry-place.js";

export class Masonry {
  constructor(container, { mode = "fill", onLayout = null } = {}) {
    this.container = container;
    this.mode = mode;
    this.onLayout = onLayout;
    this.pending = false;
    this.columnOf = new WeakMap(); // card -> its column, kept while the column count stays
    this.placedColumns = 0;
    this.resizes = new ResizeObserver(() => this.schedule());
    this.resizes.observe(container);
  }

  track(card) {
    this.resizes.observe(card);
    this.schedule();
  }

  untrack(card) {
    this.resizes.unobserve(card);
    this.schedule();
  }

  destroy() {
    this.resizes.disconnect();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.layout();
    });
  }

  get columns() {
    const style = getComputedStyle(this.container);
    return Math.max(1, parseInt(style.getPropertyValue("--columns"), 10) || 1);
  }

  get columnWidth() {
    const columns = this.columns;
    const gap = parseFloat(getComputedStyle(this.container).columnGap) || 0;
    return (this.container.clientWidth - gap * (columns - 1)) / columns;
  }

  layout() {
    const columns = this.columns;
    const gap = parseFloat(getComputedStyle(this.container).columnGap) || 0;
    const columnWidth = this.columnWidth;
    const limit = this.mode === "fill" ? this.container.clientHeight : Infinity;
    const cards = [...this.container.children].filter(
      (c) => c.classList.contains("card") && !c.classList.contains("leaving") && !c.classList.contains("measuring"),
    );
    if (columns !== this.placedColumns) {
      this.columnOf = new WeakMap(); // a new column count: everything finds a place again
      this.placedColumns = columns;
    }
    for (const card of cards) card.style.width = `${columnWidth}px`;
    const measured = cards.map((card) => ({ height: card.offsetHeight, column: this.columnOf.get(card) ?? null }));
    const { slots, hidden, tops } = placeCards(measured, { columns, gap, limit });
    cards.forEach((card, i) => {
      const { column, y, visible } = slots[i];
      card.classList.toggle("off-screen", !visible);
      if (!visible) {
        this.columnOf.delete(card);
        return;
      }
      this.columnOf.set(card, column);
      card.style.transform = `translate(${Math.round(column * (columnWidth + gap))}px, ${Math.round(y)}px)`;
      if (!card.classList.contains("placed")) {
        void card.offsetWidth; // apply the position first, so a new card does not glide in
        card.classList.add("placed");
      }
    });
    if (this.mode === "grow") {
      this.container.style.height = `${Math.max(0, Math.max(...tops) - gap)}px`;
    }
    if (this.onLayout && this.container.clientHeight > 0) {
      this.onLayout({ columns, gap, limit, cards: measured.map((m, i) => ({ height: m.height, column: slots[i].column })), hidden });
    }
  }
}
