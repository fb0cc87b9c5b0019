// Announcements from the control page: a banner over the bottom of the screen or the whole
// screen, with an optional countdown to `until` (POSIX seconds). Text is set as text.

export class Announcer {
  constructor(element, { now = () => Date.now() } = {}) {
    this.element = element;
    this.text = element.querySelector(".announcement-text");
    this.countdown = element.querySelector(".announcement-countdown");
    this.now = now;
    this.timer = null;
    this.current = null;
  }

  show(announcement) {
    clearInterval(this.timer);
    this.current = announcement && announcement.text ? announcement : null;
    if (!this.current) {
      this.element.hidden = true;
      this.element.removeAttribute("data-id");
      return;
    }
    this.element.dataset.style = this.current.style === "fullscreen" ? "fullscreen" : "banner";
    this.element.dataset.id = String(this.current.id || "");
    this.text.textContent = this.current.text;
    this.element.hidden = false;
    if (this.current.until) {
      this.#tick();
      this.timer = setInterval(() => this.#tick(), 250);
    } else {
      this.countdown.hidden = true;
    }
  }

  #tick() {
    const left = Math.max(0, Math.ceil(this.current.until - this.now() / 1000));
    this.countdown.hidden = false;
    this.countdown.textContent = clock(left);
    if (left === 0) clearInterval(this.timer);
  }
}

// 75 -> "1:15", 3725 -> "1:02:05".
export function clock(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}
