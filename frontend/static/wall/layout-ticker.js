// The ticker: the event's name, hashtags and QR code large, and a band of posts along the
// bottom that moves one place to the left whenever a post comes in on the right.

import { retire } from "./layout-retire.js";

export class TickerLayout {
  constructor(host) {
    this.element = document.createElement("div");
    this.element.className = "layout layout-ticker";
    this.band = document.createElement("div");
    this.band.className = "ticker-band";
    this.element.append(this.band);
    host.append(this.element);
  }

  get capacity() {
    const perCard = Math.max(1, this.band.clientHeight * 1.6);
    return Math.max(2, Math.min(12, Math.floor(this.band.clientWidth / perCard) || 4));
  }

  enter(card) {
    this.band.append(card);
    void card.offsetWidth;
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
