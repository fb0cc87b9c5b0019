// The wire protocol's message types (docs/protocol.md), the browser's twin of
// wallserver/protocol.py: a test keeps both and the doc naming the same types. Pure: no imports,
// no DOM, so it also loads in V8 for tests.

export const HELLO = "hello";

// The wall stream (/ws/events/{slug}/wall): every message but hello carries its seq.
export const POST_SHOW = "post.show";
export const POST_RETRACT = "post.retract";
export const POST_PIN = "post.pin";
export const POST_UNPIN = "post.unpin";
export const WALL_PAUSE = "wall.pause";
export const WALL_RESUME = "wall.resume";
export const WALL_CONFIG = "wall.config";
export const WALL_STATE = "wall.state";
export const WALL_ANNOUNCE = "wall.announce";
export const WALL_COMMAND = "wall.command";
export const WALL_CLOSING = "wall.closing";

// The moderation feed (/ws/events/{slug}/moderation).
export const QUEUE_NEW = "queue.new";
export const QUEUE_UPDATE = "queue.update";
export const QUEUE_RESYNC = "queue.resync";
export const QUEUE_CLAIM = "queue.claim";
export const QUEUE_RELEASE = "queue.release";
export const WALL_PAUSED = "wall.paused";

// What a wall page sends.
export const HEARTBEAT = "heartbeat";

export const WALL_TYPES = Object.freeze([
  HELLO, POST_SHOW, POST_RETRACT, POST_PIN, POST_UNPIN, WALL_PAUSE, WALL_RESUME,
  WALL_CONFIG, WALL_STATE, WALL_ANNOUNCE, WALL_COMMAND, WALL_CLOSING,
]);
export const FEED_TYPES = Object.freeze([
  HELLO, QUEUE_NEW, QUEUE_UPDATE, QUEUE_RESYNC, QUEUE_CLAIM, QUEUE_RELEASE, WALL_PAUSED,
]);
export const CLIENT_TYPES = Object.freeze([HEARTBEAT]);

// A frame's message, or null when it is not JSON, not an object or has no string type. Types
// this page does not know pass (a newer server may send more); callers ignore them.
export function parseMessage(raw) {
  let msg;
  try {
    msg = JSON.parse(raw);
  } catch {
    return null;
  }
  if (msg === null || typeof msg !== "object" || Array.isArray(msg) || typeof msg.type !== "string") return null;
  return msg;
}

// Whether a wall-stream message (other than hello) carries a usable seq.
export function hasSeq(msg) {
  return Number.isSafeInteger(msg.seq) && msg.seq > 0;
}
