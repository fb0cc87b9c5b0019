// The wall connection: hello, replay, live events; resumes from the last seq after any drop.

import { backoff, socketUrl } from "../common/api.js";

export class WallStream {
  constructor(slug, { token = "", onEvent, onReset, onState }) {
    this.slug = slug;
    this.token = token;
    this.onEvent = onEvent;
    this.onReset = onReset || (() => {});
    this.onState = onState || (() => {});
    this.lastSeq = 0;
    this.attempt = 0;
    this.socket = null;
    this.timer = null;
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
      const delay = ev.code === 4008 ? 0 : backoff(this.attempt++);
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  receive(raw) {
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    if (msg.type === "hello") {
      this.attempt = 0;
      if (msg.reset) {
        this.lastSeq = 0;
        this.onReset();
      }
      this.onState("online");
      return;
    }
    if (typeof msg.seq !== "number" || msg.seq <= this.lastSeq) return; // already applied
    this.lastSeq = msg.seq;
    this.onEvent(msg);
  }
}
