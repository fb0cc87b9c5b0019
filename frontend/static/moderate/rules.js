// The rules editor (admins): the chain as JSON, a dry run over the queue and the last 500
// posts, then save. Validation errors from the server are shown as they come. A save carries the
// version the editor loaded, so when another admin saved meanwhile the server refuses (409) and
// says who; the edit stays in the editor, and their rules can be loaded to redo it on top.

import { api } from "../common/api.js";

const slug = document.getElementById("console").dataset.slug;
const base = `/api/events/${encodeURIComponent(slug)}/rules`;
const dialog = document.getElementById("rules");
const text = document.getElementById("rules-text");
const result = document.getElementById("rules-result");
const changes = document.getElementById("rules-changes");
const reload = document.getElementById("rules-reload");
let version = null; // of the rules in the editor, as loaded or saved

// What the last action came to; a refusal is shown as an error, in red.
function tell(text, kind = "info") {
  result.textContent = text;
  result.dataset.kind = kind;
}

function load(rules, loaded) {
  text.value = JSON.stringify(rules, null, 2);
  version = loaded;
  reload.hidden = true;
}

function proposal() {
  try {
    return JSON.parse(text.value);
  } catch (err) {
    tell(`Not valid JSON: ${err.message}`, "error");
    return null;
  }
}

document.getElementById("rules-open").addEventListener("click", async () => {
  const current = await api("GET", base);
  load(current.rules, current.version);
  tell("");
  changes.replaceChildren();
  dialog.showModal();
});

document.getElementById("rules-close").addEventListener("click", () => dialog.close());

document.getElementById("rules-dry-run").addEventListener("click", async () => {
  const body = proposal();
  if (!body) return;
  try {
    const run = await api("POST", `${base}/dry-run`, body);
    const q = run.summary.queue;
    const r = run.summary.recent;
    tell(`Queue: ${q.approved} approved, ${q.pending} waiting, ${q.rejected} rejected ` +
      `(${q.changed} would change). Last ${run.recent.length} posts: ${r.changed} would be decided differently.`);
    const changed = [...run.queue, ...run.recent].filter((p) => p.changed).slice(0, 50);
    changes.replaceChildren(...changed.map((p) => {
      const li = document.createElement("li");
      li.textContent = `${p.status} → ${p.proposed.status}: “${p.text.slice(0, 60)}” ` +
        `${p.proposed.reason ? `(${p.proposed.reason})` : ""}`;
      return li;
    }));
  } catch (err) {
    changes.replaceChildren();
    tell(`Cannot dry run: ${err.message}`, "error");
  }
});

// The hijacked-hashtag rule: the server adds the tags of its other events to the proposal.
document.getElementById("rules-foreign").addEventListener("click", async () => {
  const body = proposal();
  if (!body) return;
  try {
    const filled = await api("POST", `${base}/foreign-hashtags`, body);
    text.value = JSON.stringify(filled.rules, null, 2);
    const list = (tags) => tags.map((t) => `#${t}`).join(", ");
    if (filled.added.length) {
      tell(`Added other events' tags: ${list(filled.added)}. ` +
        "Posts carrying them wait for a moderator. Dry run, then save.");
    } else {
      tell(filled.hashtags.length
        ? `The rule already has every other event's tag (${list(filled.hashtags)}).`
        : "No other event on this server has tags this event lacks.");
    }
  } catch (err) {
    tell(err.message, "error");
  }
});

document.getElementById("rules-save").addEventListener("click", async () => {
  const body = proposal();
  if (!body) return;
  try {
    const saved = await api("PUT", base, { ...body, version });
    load(saved.rules, saved.version);
    tell("Saved. New posts are decided by these rules.");
  } catch (err) {
    tell(`Not saved: ${err.message}`, "error");
    if (err.status === 409 && err.body && err.body.rules) {
      reload.hidden = false;
      reload.onclick = () => {
        load(err.body.rules, err.body.version);
        tell("These are the saved rules now. Make your change again, then save.");
      };
    }
  }
});
