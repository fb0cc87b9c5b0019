// One post at a time, large. "spotlight": photo first, beside the text, cross-fading;
// "carousel": the card slides in from the right as the previous one slides out to the left.

import { retire } from "./layout-retire.js";

export class SingleLayout {
  constructor(host, { kind }) {
    this.element = document.createElement("div");
    this.element.className = `layout layout-${kind}`;
    host.append(this.element);
  }

  get capacity() {
    return 1;
  }

  enter(card) {
    this.element.append(card);
    void card.offsetWidth; // start from the entering state, so the transition runs
    card.classList.add("placed");
  }

  refresh() {}

  leave(card) {
    retire(card);
  }

  destroy() {
    this.element.remove();
  }
}
