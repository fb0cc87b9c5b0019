// The wall connection: hello, replay, live events; resumes from the last seq after any drop.

import { backoff, socketUrl } from "../common/api.js";
import { HELLO, hasSeq, parseMessage } from "../common/messages.js";

export class WallStream {
  constructor(slug, { token = "", since = 0, onEvent, onHello, onReset, onState }) {
    this.slug = slug;
    this.token = token;
    this.onEvent = onEvent;
    this.onHello = onHello || (() => {});
    this.onReset = onReset || (() => {});
    this.onState = onState || (() => {});
    this.lastSeq = since;
    this.helloSeq = 0; // the seq the server had when this connection began: later ones are live
    this.attempt = 0;
    this.socket = null;
    this.timer = null;
    window.addEventListener("online", () => this.wake());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.wake();
    });
  }

  url() {
    const params = new URLSearchParams({ since: String(this.lastSeq) });
    if (this.token) params.set("token", this.token);
    return socketUrl(`/ws/events/${encodeURIComponent(this.slug)}/wall?${params}`);
  }

  connect() {
    clearTimeout(this.timer);
    this.onState("connecting");
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener("message", (ev) => this.receive(ev.data));
    socket.addEventListener("close", (ev) => {
      if (this.socket !== socket) return;
      this.onState("offline", ev.code);
      // Refusals that retrying cannot fix (bad token, no such event) still retry, slowly:
      // staff may fix the token or create the event while the screen waits.
      // 1012: the server is restarting (a deploy); another instance, or this one in a moment,
      // takes the wall back: first retry within 0.5 s, jittered so a venue's screens spread out.
      if (ev.code === 1012) this.attempt = 0;
      const delay = ev.code === 4008 ? 0 : backoff(this.attempt++);
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  // The browser says the network is back (or the tab is shown again): retry now rather than
  // wait out a backoff that may have grown to its cap while the venue's network was down.
  wake() {
    if (!this.socket || this.socket.readyState <= WebSocket.OPEN) return; // not started, or up
    this.attempt = 0;
    this.connect();
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  receive(raw) {
    const msg = parseMessage(raw);
    if (!msg) return;
    if (msg.type === HELLO) {
      this.attempt = 0;
      const fresh = this.lastSeq === 0 || msg.reset;
      if (msg.reset) {
        this.lastSeq = 0;
        this.onReset();
      }
      this.helloSeq = msg.seq;
      this.onState("online");
      this.onHello({ fresh, seq: msg.seq });
      return;
    }
    if (!hasSeq(msg) || msg.seq <= this.lastSeq) return; // already applied
    this.lastSeq = msg.seq;
    this.onEvent(msg, { live: msg.seq > this.helloSeq });
  }
}
