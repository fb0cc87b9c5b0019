// Spotlight: the latest approved posts, each with a button that puts it on the chosen screens.
// Posts are guests' text: it reaches the page through textContent only, names kept to their
// own direction (common/text.js).

import { api } from "../common/api.js";
import { displayableUrl } from "../common/media.js";
import { contained } from "../common/text.js";
import { command } from "./commands.js";

const $ = (id) => document.getElementById(id);
const LIMIT = 30;

export class Spotlight {
  constructor(base, refresh) {
    this.base = base;
    this.refresh = refresh;
    this.list = $("spotlight-list");
    this.template = $("post-item");
    this.target = $("spotlight-target");
    this.lit = new Set(); // post ids in the spotlight somewhere
    this.screens = [];
    this.target.addEventListener("change", () => this.show(this.screens));
    $("spotlight-refresh").addEventListener("click", () => this.load());
    $("spotlight-clear").addEventListener("click", async () => {
      if (await command(this.base, this.target.value || null, { action: "clear_spotlight" })) this.refresh();
    });
  }

  async load() {
    try {
      const data = await api("GET", `${this.base}/posts?status=approved&limit=${LIMIT}`);
      this.render(data.posts);
    } catch (err) {
      $("spotlight-empty").hidden = false;
      $("spotlight-empty").textContent = `Could not load posts: ${err.message}`;
    }
  }

  render(posts) {
    this.list.replaceChildren(...posts.map((post) => this.item(post)));
    $("spotlight-empty").hidden = posts.length > 0;
    $("spotlight-empty").textContent = "No approved posts yet.";
    this.mark();
  }

  item(post) {
    const el = this.template.content.firstElementChild.cloneNode(true);
    el.dataset.postId = String(post.id);
    el.querySelector(".post-text").textContent = post.text || "(photo only)";
    const { name, handle } = post.author;
    el.querySelector(".post-author").textContent = contained(name || handle || "anonymous");
    el.querySelector(".post-source").textContent = post.source;
    el.querySelector(".post-id").textContent = String(post.id);
    const image = (post.media || []).find((m) => m.kind === "image" && displayableUrl(m.thumb_url || m.url));
    if (image) {
      const img = el.querySelector(".post-image");
      img.addEventListener("load", () => { img.hidden = false; }, { once: true });
      img.addEventListener("error", () => img.remove(), { once: true });
      img.alt = image.alt || "";
      img.src = displayableUrl(image.thumb_url || image.url);
    }
    el.querySelector(".post-spotlight").addEventListener("click", async () => {
      const body = { action: "spotlight", post_id: post.id };
      if (await command(this.base, this.target.value || null, body)) this.refresh();
    });
    return el;
  }

  // Called on every poll: which posts are in the spotlight on some screen, and what the chosen
  // target shows ("nothing" once a spotlit post has left the wall: the server clears it).
  show(screens) {
    this.screens = screens;
    this.lit = new Set(screens.map((s) => s.state.spotlight).filter(Boolean));
    this.mark();
    const lit = (s) => (s.state.spotlight ? `post #${s.state.spotlight}` : "nothing");
    const chosen = screens.filter((s) => !this.target.value || s.name === this.target.value);
    const current = $("spotlight-current");
    if (!this.target.value && this.lit.size) {
      current.textContent = chosen.map((s) => `${s.name}: ${lit(s)}`).join(" · ");
    } else {
      current.textContent = chosen.length ? lit(chosen[0]) : "nothing";
    }
  }

  mark() {
    for (const el of this.list.children) {
      const on = this.lit.has(Number(el.dataset.postId));
      el.classList.toggle("lit", on);
      el.querySelector(".post-spotlight").textContent = on ? "In the spotlight · again" : "Spotlight";
    }
  }
}
