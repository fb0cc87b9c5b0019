// Masonry: cards in DOM order (pinned, then newest first) go, one by one, to the shortest column.
// Cards are positioned with transforms, so when a new post arrives the others glide down
// instead of jumping between columns. The number of columns and the gap come from CSS
// (--columns, --gap), which sizes them in viewport units for anything from a phone to a 32:9
// LED wall.
//
// mode "fill": the container has the screen's height; cards that do not fit are marked
//              off-screen and their space goes to the next card that does (the big wall).
// mode "grow": the container grows to the tallest column and the page scrolls (/live).

export class Masonry {
  constructor(container, { mode = "fill", onLayout = null } = {}) {
    this.container = container;
    this.mode = mode;
    this.onLayout = onLayout;
    this.pending = false;
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

  layout() {
    const style = getComputedStyle(this.container);
    const columns = this.columns;
    const gap = parseFloat(style.columnGap) || 0;
    const width = this.container.clientWidth;
    const columnWidth = (width - gap * (columns - 1)) / columns;
    const heights = new Array(columns).fill(0);
    const visibleHeight = this.container.clientHeight;
    let hidden = 0;
    for (const card of this.container.children) {
      if (card.classList.contains("leaving")) continue;
      card.style.width = `${columnWidth}px`;
      const height = card.offsetHeight;
      // The shortest column that has room for the card (leftmost on a tie). In "fill" mode a
      // card that fits nowhere is hidden and leaves the space to an older, smaller card.
      const byHeight = heights.map((h, i) => [h, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const room = byHeight.find(([h]) => this.mode !== "fill" || h === 0 || h + height <= visibleHeight);
      const column = room ? room[1] : byHeight[0][1];
      const x = Math.round(column * (columnWidth + gap));
      const y = Math.round(heights[column]);
      card.style.transform = `translate(${x}px, ${y}px)`;
      card.classList.toggle("off-screen", !room);
      if (room) heights[column] += height + gap;
      else hidden += 1;
      if (!card.classList.contains("placed")) {
        void card.offsetWidth; // apply the position first, so a new card does not glide in
        card.classList.add("placed");
      }
    }
    if (this.mode === "grow") {
      this.container.style.height = `${Math.max(0, Math.max(...heights) - gap)}px`;
    }
    if (this.onLayout && visibleHeight > 0) {
      const spare = Math.max(...heights.map((h) => visibleHeight - h)) / visibleHeight;
      this.onLayout({ columns, hidden, spare });
    }
  }
}
