// The closing screen (docs/lifecycle.md): once the event has ended, every screen and phone view
// shows a thank-you over everything else, with the message staff set on the admin page. It
// comes with the page (data-closing) and live over the wall socket (wall.closing); a reopened
// event sends null and the wall carries on.

export class ClosingScreen {
  constructor(root, section) {
    this.root = root;
    this.section = section;
    this.message = section.querySelector(".closing-message");
    this.fallback = this.message.textContent;
  }

  // closing: {message} or null. The message is user text: set as text, never as markup.
  show(closing) {
    const ended = Boolean(closing && typeof closing === "object");
    this.root.dataset.closed = String(ended);
    this.section.hidden = !ended;
    this.message.textContent = (ended && typeof closing.message === "string" && closing.message.trim()) || this.fallback;
  }

  // The closing screen the page was rendered with.
  showInitial() {
    try {
      this.show(JSON.parse(this.root.dataset.closing || "null"));
    } catch {
      this.show(null);
    }
  }
}
