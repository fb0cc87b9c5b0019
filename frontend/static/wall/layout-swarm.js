// The swarm: the people posting, as a slowly drifting constellation of pictures and initials on
// a sunflower spiral, sized by how much they post, with live counts of posts and people. The
// post on stage appears as a speech bubble and its author lights up.

import { displayableUrl } from "../common/media.js";
import { contained } from "../common/text.js";
import { Crowd, initials } from "./crowd.js";
import { retire } from "./layout-retire.js";

const NODES = 90;
const GOLDEN = Math.PI * (3 - Math.sqrt(5));

export class SwarmLayout {
  constructor(host, { crowd }) {
    this.crowd = crowd;
    this.element = document.createElement("div");
    this.element.className = "layout layout-swarm";
    this.sky = document.createElement("div");
    this.sky.className = "swarm-sky";
    this.counts = document.createElement("p");
    this.counts.className = "swarm-counts";
    this.bubble = document.createElement("div");
    this.bubble.className = "swarm-bubble";
    this.element.append(this.sky, this.counts, this.bubble);
    host.append(this.element);
    this.nodes = new Map(); // person key -> node
    this.slots = new Array(NODES).fill(null); // slot -> person key
    for (const person of crowd.recent(NODES).reverse()) this.#node(person);
    this.#count();
  }

  get capacity() {
    return 1;
  }

  // Every approved post, shown or not, counts and may bring a new face.
  observe(person) {
    const node = this.#node(person);
    node.style.setProperty("--size", String(sizeFor(person.posts)));
    this.#count();
  }

  enter(card, post) {
    this.bubble.append(card);
    void card.offsetWidth;
    card.classList.add("placed");
    for (const n of this.sky.querySelectorAll(".speaking")) n.classList.remove("speaking");
    const key = post && Crowd.keyOf(post);
    const node = key && this.nodes.get(key);
    if (node) node.classList.add("speaking");
  }

  refresh() {}

  leave(card) {
    retire(card);
  }

  destroy() {
    this.element.remove();
  }

  // A sunflower spiral as wide as the number of people needs: the constellation grows outwards
  // as people join, and the nodes glide to their new places.
  #spread() {
    const used = Math.max(16, this.nodes.size);
    for (const node of this.nodes.values()) {
      const slot = Number(node.dataset.slot);
      const r = Math.sqrt((slot + 0.5) / used);
      node.style.setProperty("--x", `${50 + 42 * r * Math.cos(slot * GOLDEN)}%`);
      node.style.setProperty("--y", `${50 + 40 * r * Math.sin(slot * GOLDEN)}%`);
    }
  }

  #count() {
    const people = this.crowd.count.toLocaleString() + (this.crowd.capped ? "+" : "");
    this.counts.replaceChildren(
      stat(this.crowd.posts.toLocaleString(), this.crowd.posts === 1 ? "post" : "posts"),
      stat(people, this.crowd.count === 1 ? "person" : "people"),
    );
  }

  #node(person) {
    let node = this.nodes.get(person.key);
    if (node) return node;
    let slot = this.slots.indexOf(null);
    if (slot < 0) {
      // Full: the least recently active person makes room.
      slot = this.slots.reduce((best, key, i) => {
        const a = this.crowd.people.get(key);
        const b = this.crowd.people.get(this.slots[best]);
        return (a ? a.last : -1) < (b ? b.last : -1) ? i : best;
      }, 0);
      const old = this.nodes.get(this.slots[slot]);
      this.nodes.delete(this.slots[slot]);
      if (old) old.remove();
    }
    this.slots[slot] = person.key;
    node = document.createElement("div");
    node.className = "swarm-node";
    node.dataset.slot = String(slot);
    node.style.setProperty("--drift", `${(slot % 7) * -1.3}s`);
    node.style.setProperty("--size", String(sizeFor(person.posts)));
    const face = document.createElement("span");
    face.className = "swarm-face";
    face.textContent = initials(person.name);
    node.append(face);
    const src = displayableUrl(person.avatar);
    if (src) {
      const img = document.createElement("img");
      img.alt = "";
      img.addEventListener("load", () => node.classList.add("has-avatar"), { once: true });
      img.addEventListener("error", () => img.remove(), { once: true });
      img.src = src;
      node.append(img);
    }
    const name = document.createElement("bdi");
    name.className = "swarm-name";
    name.textContent = contained(person.name);
    node.append(name);
    this.sky.append(node);
    this.nodes.set(person.key, node);
    this.#spread();
    return node;
  }
}

function sizeFor(posts) {
  return Math.min(2.4, 1 + Math.log2(posts) * 0.35).toFixed(2);
}

function stat(value, label) {
  const el = document.createElement("span");
  const strong = document.createElement("strong");
  strong.textContent = value;
  el.append(strong, ` ${label}`);
  return el;
}
