// Who is posting: a bounded tally of contributors for the swarm view. Pure logic, no DOM.
// At most `limit` people are remembered (least recently active forgotten first); the people
// count keeps counting beyond that through 32-bit fingerprints, capped at `countCap`.

export class Crowd {
  constructor({ limit = 300, countCap = 20000 } = {}) {
    this.limit = limit;
    this.countCap = countCap;
    this.people = new Map(); // key -> {key, name, avatar, posts, last}
    this.fingerprints = new Set();
    this.posts = 0;
    this.clock = 0;
  }

  static keyOf(post) {
    const a = post.author || {};
    return `${post.source || ""}:${(a.handle || a.name || "").toLowerCase()}`;
  }

  // Count one approved post; returns its person.
  add(post) {
    const key = Crowd.keyOf(post);
    const a = post.author || {};
    this.posts += 1;
    let person = this.people.get(key);
    if (!person) {
      const print = fingerprint(key);
      if (!this.fingerprints.has(print) && this.fingerprints.size < this.countCap) this.fingerprints.add(print);
      person = { key, name: a.name || a.handle || "", avatar: a.avatar_url || "", posts: 0, last: 0 };
      this.people.set(key, person);
      if (this.people.size > this.limit) this.people.delete(this.people.keys().next().value);
    } else {
      this.people.delete(key); // re-insert: Map order is least recently active first
      this.people.set(key, person);
    }
    person.posts += 1;
    person.last = ++this.clock;
    if (a.avatar_url) person.avatar = a.avatar_url;
    return person;
  }

  get count() {
    return this.fingerprints.size;
  }

  get capped() {
    return this.fingerprints.size >= this.countCap;
  }

  // The most recently active people, most recent first.
  recent(limit) {
    return [...this.people.values()].slice(-limit).reverse();
  }
}

// FNV-1a, 32 bits.
function fingerprint(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// Initials for a person without a picture: up to two letters, any script.
export function initials(name) {
  const words = (name || "?").trim().split(/\s+/u).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => [...w][0] || "");
  return (letters.join("") || "?").toUpperCase();
}
