// The stage: the console's current post, previewed as the wall will show it, with who sent it
// and what the rules said.

import { contained } from "../common/text.js";
import { WallPreview } from "./preview.js";

export class Stage {
  constructor() {
    this.root = document.getElementById("stage");
    this.position = document.getElementById("stage-position");
    this.meta = document.getElementById("stage-meta");
    const box = document.getElementById("preview");
    this.preview = new WallPreview(box, document.getElementById("card-template"),
      box.dataset.styles.split(" ").filter(Boolean));
    this.post = null;
  }

  // ``post`` is the current post (or undefined), ``index`` its place among ``total`` shown.
  show(post, index, total) {
    this.post = post || null;
    this.root.dataset.postId = post ? String(post.id) : "";
    this.root.dataset.status = post ? post.status : "";
    this.preview.show(this.post);
    this.position.textContent = post && total > 1 ? `· ${index + 1} of ${total}` : "";
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
