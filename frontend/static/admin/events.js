// Events on the admin page: create one (as a draft), edit its name, hashtags and moderation
// mode, move it through its lifecycle (draft, rehearsal, live, ended: docs/lifecycle.md), set
// its closing screen's message, add a screen. Everything typed or answered is set as text.

import { api } from "../common/api.js";

// The moves the server allows (wallserver/lifecycle.py), as buttons: [state, label].
const MOVES = {
  draft: [["rehearsal", "Start rehearsal"], ["live", "Go live"]],
  rehearsal: [["live", "Go live"], ["draft", "Back to draft"]],
  live: [["ended", "End event"]],
  ended: [["live", "Reopen"]],
};
const HINTS = {
  draft: "Draft: set up screens and sources; no posts are taken yet.",
  rehearsal: "Rehearsal: posts are test posts, marked on the console. Going live removes them everywhere.",
  live: "Live: posts are taken and shown.",
  ended: "Ended: no posts are taken, sources are stopped and the walls show the closing screen.",
};

// Another admin, the CLI or the API may move an event too: each card checks its state now and
// then, and whenever the page is looked at again, so its buttons are the ones that apply.
const CHECK_MS = 15000;

function path(slug, rest = "") {
  return `/api/events/${encodeURIComponent(slug)}${rest}`;
}

// "#SummerParty, Dabei" -> ["#SummerParty", "Dabei"]; the server drops the "#" and repeats.
function hashtagList(text) {
  return text.split(/[\s,]+/).filter(Boolean);
}

const tagText = (tags) => tags.map((t) => `#${t}`).join(" ");

class EventCard {
  constructor(el) {
    this.el = el;
    this.slug = el.dataset.slug;
    this.badge = el.querySelector(".event-state");
    this.hint = el.querySelector(".lifecycle-hint");
    this.actions = el.querySelector(".lifecycle-actions");
    this.note = el.querySelector(".lifecycle-note");
    el.querySelector(".closing-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const closing = ev.target.elements.namedItem("closing").value;
      this.change({ closing }, "Closing message saved.");
    });
    el.querySelector(".screen-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.addScreen(ev.target);
    });
    el.querySelector(".edit-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.edit(ev.target);
    });
    this.show(el.dataset.state);
  }

  async edit(form) {
    this.say("");
    const field = (name) => form.elements.namedItem(name);
    try {
      const event = await api("PATCH", path(this.slug), {
        name: field("name").value.trim(),
        hashtags: hashtagList(field("hashtags").value),
        moderation: field("moderation").value,
      });
      for (const name of document.querySelectorAll(".event-name")) {
        if (name.closest("[data-slug]")?.dataset.slug === this.slug) name.textContent = event.name;
      }
      this.el.querySelector(".event-hashtags").textContent = tagText(event.hashtags);
      this.el.querySelector(".event-mode").textContent = event.moderation;
      field("name").value = event.name;
      field("hashtags").value = tagText(event.hashtags);
      this.say(`Saved: ${event.name}, ${tagText(event.hashtags)}, ${event.moderation}-moderation.`);
    } catch (err) {
      this.say(err.message, true);
    }
  }

  show(state) {
    this.el.dataset.state = state;
    this.badge.textContent = state;
    this.badge.className = `badge event-state state-${state}`;
    this.hint.textContent = HINTS[state] || "";
    this.actions.replaceChildren(
      ...(MOVES[state] || []).map(([to, label]) => {
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.move = to;
        b.className = to === "ended" ? "danger" : "";
        b.textContent = label;
        b.addEventListener("click", () => this.change({ state: to }, `Now ${to}.`));
        return b;
      }),
    );
  }

  async change(body, done) {
    this.say("");
    try {
      const event = await api("POST", path(this.slug, "/state"), body);
      this.show(event.state);
      const gone = event.withdrawn ? ` ${event.withdrawn} test post(s) removed.` : "";
      this.say(done + gone);
    } catch (err) {
      this.say(err.message, true);
      this.check(); // a refused move may mean the event moved elsewhere
    }
  }

  // The state as the server has it; a move made elsewhere is shown and said.
  async check() {
    try {
      const event = await api("GET", path(this.slug));
      if (event.state === this.el.dataset.state) return;
      this.show(event.state);
      this.say(`Moved elsewhere: now ${event.state}.`);
    } catch {
      // offline or logged out: the next check tries again
    }
  }

  async addScreen(form) {
    const input = form.elements.namedItem("screen");
    const name = input.value.trim();
    if (!name) return;
    try {
      await api("POST", path(this.slug, "/screens"), { name });
      input.value = "";
      this.say(`Screen “${name}” added: /wall/${this.slug}?screen=${name}`);
    } catch (err) {
      this.say(err.message, true);
    }
  }

  say(text, error = false) {
    this.note.textContent = text;
    this.note.classList.toggle("error", error);
  }
}

const cards = [...document.querySelectorAll(".event[data-slug]")].map((el) => new EventCard(el));
const checkAll = () => {
  if (document.visibilityState === "visible") for (const card of cards) card.check();
};
setInterval(checkAll, CHECK_MS);
document.addEventListener("visibilitychange", checkAll);
window.addEventListener("focus", checkAll);

const form = document.getElementById("event-form");
const formError = document.getElementById("event-error");
form?.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  formError.hidden = true;
  const value = (name) => form.elements.namedItem(name).value.trim();
  const hashtags = hashtagList(value("hashtags"));
  try {
    await api("POST", "/api/events", {
      slug: value("slug"),
      name: value("name"),
      hashtags,
      moderation: value("moderation"),
      state: "draft",
    });
    location.reload(); // the new event's card and sources come with the page
  } catch (err) {
    formError.textContent = err.message;
    formError.hidden = false;
  }
});
