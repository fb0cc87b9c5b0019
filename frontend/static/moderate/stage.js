// The stage: the console's current post, previewed as the wall will show it, with who sent it
// and what the rules said. On a phone it is the whole console: one post at a time, big approve
// and reject buttons, and a swipe (right approves, left rejects).

import { contained } from "../common/text.js";
import { WallPreview } from "./preview.js";
import { swipeable } from "./swipe.js";

export class Stage {
  // ``on.decide(postId, action)`` applies a decision, ``on.skip()`` moves to the next post;
  // ``on.history(id)``, ``on.edit(id)`` and ``on.author(post, "trust" | "ban")`` as in the queue.
  constructor(on) {
    this.root = document.getElementById("stage");
    this.position = document.getElementById("stage-position");
    this.meta = document.getElementById("stage-meta");
    this.approve = document.getElementById("stage-approve");
    this.reject = document.getElementById("stage-reject");
    const box = document.getElementById("preview");
    this.preview = new WallPreview(box, document.getElementById("card-template"),
      box.dataset.styles.split(" ").filter(Boolean));
    this.post = null;
    const act = (action) => {
      if (this.post && this.allows(action)) on.decide(this.post.id, action);
    };
    this.approve.addEventListener("click", () => act("approve"));
    this.reject.addEventListener("click", () => act("reject"));
    document.getElementById("stage-skip").addEventListener("click", () => on.skip());
    swipeable(document.getElementById("stage-card"), act);
    const more = document.querySelector(".stage-more");
    const withPost = (fn) => () => this.post && fn(this.post);
    more.querySelector(".history-button").addEventListener("click", withPost((p) => on.history(p.id)));
    more.querySelector(".edit-button").addEventListener("click", withPost((p) => on.edit(p.id)));
    for (const button of more.querySelectorAll("button[data-author]")) {
      button.addEventListener("click", withPost((p) => on.author(p, button.dataset.author)));
    }
  }

  allows(action) {
    return Boolean(this.post) && this.post.status !== (action === "approve" ? "approved" : "rejected");
  }

  // ``post`` is the current post (or undefined), ``index`` its place among ``total`` shown.
  show(post, index, total) {
    this.post = post || null;
    this.root.dataset.postId = post ? String(post.id) : "";
    this.root.dataset.status = post ? post.status : "";
    this.preview.show(this.post);
    this.position.textContent = post && total > 1 ? `· ${index + 1} of ${total}` : "";
    this.approve.hidden = !this.allows("approve");
    this.reject.hidden = !this.allows("reject");
    if (!post) {
      this.meta.textContent = "";
      return;
    }
    const { name, handle } = post.author;
    const who = contained(name || handle || "anonymous");
    const rule = post.rule_reason ? ` · ${post.rule_reason}` : "";
    this.meta.textContent = `${who} · ${post.source} · ${post.status}${rule}`;
  }
}
