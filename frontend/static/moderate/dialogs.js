// The console's two dialogs: a post's history (every decision and edit, and what its author
// sent) and the caption and alt-text editor. User text reaches the DOM as text only.

import { api } from "../common/api.js";

export async function showHistory(id) {
  const data = await api("GET", `/api/posts/${id}/history`);
  const items = data.decisions.map((d) => {
    const li = document.createElement("li");
    const who = d.actor.replace(/^(user|token|rule):/, "");
    li.textContent = `${new Date(d.at).toLocaleTimeString()} · ${who} · ${d.action}: ` +
      `${d.from || "new"} → ${d.to}${d.reason ? ` (${d.reason})` : ""}`;
    return li;
  });
  document.getElementById("history-list").replaceChildren(...items);
  // An edited post keeps what its author wrote: show it beside the edits.
  const original = data.post && data.post.original;
  const before = document.getElementById("history-original");
  before.hidden = !original;
  if (original) {
    const alts = (original.media || []).map((m) => (m.alt ? `“${m.alt}”` : "none"));
    before.textContent = `As sent: “${original.text || ""}”` + (alts.length ? ` · alt text ${alts.join(", ")}` : "");
  }
  document.getElementById("history").showModal();
}

// The edit dialog, wired once; returns openEdit(id). ``posts`` is the console's post map,
// ``upsert`` takes the server's answer, ``say`` and ``excerpt`` tell the moderator.
export function editor({ posts, upsert, say, excerpt }) {
  const dialog = document.getElementById("edit");
  const text = document.getElementById("edit-text");
  const alt = document.getElementById("edit-alt");
  let editing = null;

  document.getElementById("edit-cancel").addEventListener("click", () => dialog.close());
  document.getElementById("edit-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const post = posts.get(editing);
    if (!post) return;
    const body = { version: post.version, text: text.value };
    if ((post.media || []).length === 1) body.alt = [alt.value];
    try {
      upsert(await api("POST", `/api/posts/${post.id}/edit`, body));
      dialog.close();
      say(`Edited: “${excerpt(posts.get(post.id))}” (the original is kept)`);
    } catch (err) {
      say(err.status === 409 ? "Not saved: the post changed meanwhile." : err.message, { kind: "warn" });
      dialog.close();
    }
  });

  return (id) => {
    const post = posts.get(id);
    editing = id;
    text.value = post.text;
    const media = post.media || [];
    document.getElementById("edit-alt-label").hidden = media.length !== 1;
    alt.value = media.length === 1 ? media[0].alt || "" : "";
    dialog.showModal();
    text.focus();
  };
}
