// Sources on the admin page: per event, each source with its health, and add / pause / resume /
// test / remove through the sources API. Everything a source or a network says is set as text.

import { api } from "../common/api.js";

const REFRESH_MS = 3000;

// Per kind: [field, label, input type, required, placeholder].
const KINDS = {
  rss: [
    ["url", "Feed URL", "url", true, "https://example.org/feed.xml"],
    ["interval", "Seconds between polls", "number", false, "300"],
  ],
  mastodon: [
    ["instance", "Instance", "url", true, "https://mastodon.social"],
    ["tag", "Hashtag (default: the event's first)", "text", false, ""],
    ["token", "Access token (optional)", "password", false, ""],
  ],
  bluesky: [
    ["identifier", "Account for the search backfill (optional)", "text", false, "name.bsky.social"],
    ["app_password", "App password", "password", false, ""],
    ["jetstream", "Jetstream (optional)", "url", false, "wss://jetstream2.us-east.bsky.network"],
  ],
  x: [
    ["bearer_token", "Bearer token", "password", true, ""],
    ["tag", "Hashtag (default: the event's first)", "text", false, ""],
  ],
  instagram: [
    ["access_token", "Access token", "password", true, ""],
    ["user_id", "Instagram user id", "text", true, ""],
    ["tag", "Hashtag (default: the event's first)", "text", false, ""],
  ],
  webhook: [["secret", "Signing secret (16 or more characters)", "password", true, ""]],
};

// What a source follows, in a few words (the config's non-secret target).
function target(source) {
  const c = source.config || {};
  switch (source.kind) {
    case "rss": return c.url || "";
    case "mastodon": return `#${c.tag || ""} on ${c.instance || ""}`;
    case "bluesky": return c.identifier ? `Jetstream + search as ${c.identifier}` : "Jetstream";
    case "x":
    case "instagram": return `#${c.tag || ""}`;
    case "webhook": return `POST /api/events/…/webhooks/${source.id}`;
    default: return "";
  }
}

function ago(iso) {
  if (!iso) return "never";
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return new Date(iso).toLocaleString();
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, className, onClick) {
  const b = el("button", className, label);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

class EventSources {
  constructor(section) {
    this.section = section;
    this.slug = section.dataset.slug;
    this.list = section.querySelector(".source-list");
    this.notes = new Map(); // source id -> the last test result, kept across refreshes
    this.armed = null; // the source id whose "Remove" asks for confirmation
    this.buildForm(section.querySelector(".source-add"));
  }

  async load() {
    try {
      const data = await api("GET", `/api/events/${encodeURIComponent(this.slug)}/sources`);
      this.render(data.sources || []);
    } catch (err) {
      this.list.replaceChildren(el("p", "error", err.message));
    }
  }

  render(sources) {
    if (!sources.length) {
      this.list.replaceChildren(el("p", "muted empty", "No sources yet: posts come from the posting page and bridges only."));
      return;
    }
    this.list.replaceChildren(...sources.map((s) => this.row(s)));
  }

  row(source) {
    const row = el("div", "source");
    row.setAttribute("role", "listitem");
    row.dataset.sourceId = String(source.id);
    row.dataset.state = source.state;
    row.dataset.connected = String(Boolean(source.connected));

    const head = el("div", "source-head");
    head.append(el("strong", "source-kind", source.kind), el("span", "source-target", target(source)));
    const state = el("span", `badge state-${source.state}`, source.state);
    const live = source.kind === "webhook" ? "receives" : source.connected ? "connected" : "not connected";
    head.append(state, el("span", `badge source-connected ${source.connected ? "on" : "off"}`, live));
    row.append(head);

    const stats = el("dl", "source-stats");
    stats.append(
      el("dt", "", "Last post"), el("dd", "source-last-post", ago(source.last_post_at)),
      el("dt", "", "Posts per minute"), el("dd", "source-rate", String(source.posts_per_minute ?? 0)),
    );
    row.append(stats);
    if (source.last_error) row.append(el("p", "source-error error", source.last_error));
    const note = this.notes.get(source.id);
    if (note) row.append(el("p", `source-note ${note.ok ? "ok" : "error"}`, note.text));

    const actions = el("div", "source-actions");
    const paused = source.state !== "running";
    actions.append(
      button(paused ? "Resume" : "Pause", "secondary source-toggle", () => this.act(source, paused ? "resume" : "pause")),
      button("Test connection", "secondary source-test", () => this.test(source)),
    );
    const armed = this.armed === source.id;
    actions.append(button(armed ? "Really remove?" : "Remove", "danger source-remove", () => this.remove(source)));
    row.append(actions);
    return row;
  }

  async act(source, action) {
    try {
      await api("POST", `/api/sources/${source.id}/${action}`);
    } catch (err) {
      this.notes.set(source.id, { ok: false, text: err.message });
    }
    await this.load();
  }

  async test(source) {
    this.notes.set(source.id, { ok: true, text: "Testing…" });
    await this.load();
    try {
      const result = await api("POST", `/api/sources/${source.id}/test`);
      this.notes.set(source.id, result.ok
        ? { ok: true, text: result.detail ? `Connection works (${result.detail})` : "Connection works" }
        : { ok: false, text: `Connection failed: ${result.error}` });
    } catch (err) {
      this.notes.set(source.id, { ok: false, text: err.message });
    }
    await this.load();
  }

  async remove(source) {
    if (this.armed !== source.id) {
      this.armed = source.id;
      await this.load();
      return;
    }
    this.armed = null;
    try {
      await api("DELETE", `/api/sources/${source.id}`);
      this.notes.delete(source.id);
    } catch (err) {
      this.notes.set(source.id, { ok: false, text: err.message });
    }
    await this.load();
  }

  buildForm(holder) {
    const form = el("form", "stack source-form");
    const kindLabel = el("label", "", "Kind");
    const kind = el("select", "source-kind-select");
    kind.name = "kind";
    for (const name of Object.keys(KINDS)) {
      const option = el("option", "", name);
      option.value = name;
      kind.append(option);
    }
    kindLabel.append(kind);
    const fields = el("div", "stack source-fields");
    const error = el("p", "error source-form-error");
    error.hidden = true;
    const submit = el("button", "", "Add source");
    submit.type = "submit";
    form.append(kindLabel, fields, error, submit);

    const showFields = () => {
      fields.replaceChildren(...KINDS[kind.value].map(([name, label, type, required, placeholder]) => {
        const wrap = el("label", "", label);
        const input = el("input");
        input.name = name;
        input.type = type;
        input.required = required;
        input.placeholder = placeholder;
        input.autocomplete = type === "password" ? "new-password" : "off";
        wrap.append(input);
        return wrap;
      }));
    };
    kind.addEventListener("change", showFields);
    showFields();

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const body = { kind: kind.value };
      for (const input of fields.querySelectorAll("input")) {
        const value = input.value.trim();
        if (value) body[input.name] = input.type === "number" ? Number(value) : value;
      }
      submit.disabled = true;
      try {
        await api("POST", `/api/events/${encodeURIComponent(this.slug)}/sources`, body);
        form.reset();
        showFields();
        holder.open = false;
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
      await this.load();
    });
    holder.append(form);
  }
}

const boards = [...document.querySelectorAll(".event-sources[data-slug]")].map((s) => new EventSources(s));
async function refresh() {
  await Promise.all(boards.map((b) => b.load()));
}
refresh();
setInterval(() => {
  if (!document.hidden) refresh();
}, REFRESH_MS);
