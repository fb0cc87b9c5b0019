// What a screen needs to come back after a reload while the server is unreachable: its last
// seq, config, state, announcement and recent posts, in localStorage. Everything in it is
// consistent as of `seq`, so resuming the stream from `seq` brings exactly what came after.

const SAVE_DELAY_MS = 1000;

export class Snapshot {
  constructor(key) {
    this.key = `wallserver:${key}`;
    this.timer = null;
  }

  load() {
    try {
      const data = JSON.parse(localStorage.getItem(this.key) || "null");
      return data && typeof data.seq === "number" && Array.isArray(data.posts) ? data : null;
    } catch {
      return null;
    }
  }

  // Save soon (at most once a second); `collect` builds the snapshot when it is written.
  schedule(collect) {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      try {
        localStorage.setItem(this.key, JSON.stringify(collect()));
      } catch {
        // storage full or disabled: the screen still works, it just cannot restore offline
      }
    }, SAVE_DELAY_MS);
  }

  clear() {
    clearTimeout(this.timer);
    this.timer = null;
    try {
      localStorage.removeItem(this.key);
    } catch {
      // ignore
    }
  }
}
