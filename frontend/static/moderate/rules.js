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

function load(rules, loaded) {
  text.value = JSON.stringify(rules, null, 2);
  version = loaded;
  reload.hidden = true;
}

function proposal() {
  try {
    return JSON.parse(text.value);
  } catch (err) {
    result.textContent = `Not valid JSON: ${err.message}`;
    return null;
  }
}

document.getElementById("rules-open").addEventListener("click", async () => {
  const current = await api("GET", base);
  load(current.rules, current.version);
  result.textContent = "";
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
    result.textContent = `Queue: ${q.approved} approved, ${q.pending} waiting, ${q.rejected} rejected ` +
      `(${q.changed} change). Last ${run.recent.length} posts: ${r.changed} would be decided differently.`;
    const changed = [...run.queue, ...run.recent].filter((p) => p.changed).slice(0, 50);
    changes.replaceChildren(...changed.map((p) => {
      const li = document.createElement("li");
      li.textContent = `${p.status} → ${p.proposed.status}: “${p.text.slice(0, 60)}” ` +
        `${p.proposed.reason ? `(${p.proposed.reason})` : ""}`;
      return li;
    }));
  } catch (err) {
    result.textContent = err.message;
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
      result.textContent = `Added other events' tags: ${list(filled.added)}. ` +
        "Posts carrying them wait for a moderator. Dry run, then save.";
    } else {
      result.textContent = filled.hashtags.length
        ? `The rule already has every other event's tag (${list(filled.hashtags)}).`
        : "No other event on this server has tags this event lacks.";
    }
  } catch (err) {
    result.textContent = err.message;
  }
});

document.getElementById("rules-save").addEventListener("click", async () => {
  const body = proposal();
  if (!body) return;
  try {
    const saved = await api("PUT", base, { ...body, version });
    load(saved.rules, saved.version);
    result.textContent = "Saved. New posts are decided by these rules.";
  } catch (err) {
    result.textContent = err.status === 409 ? `Not saved: ${err.message}` : err.message;
    if (err.status === 409 && err.body && err.body.rules) {
      reload.hidden = false;
      reload.onclick = () => {
        load(err.body.rules, err.body.version);
        result.textContent = "These are the saved rules now. Make your change again, then save.";
      };
    }
  }
});
