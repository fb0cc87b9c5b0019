// Settings and branding of one screen (admins): filled from the server, saved with the version
// it was read at (a 409 means someone else saved meanwhile: their version is shown instead).
// Pictures go through the server's media pipeline first; the form keeps their /media URL.

import { api } from "../common/api.js";
import { say } from "./notice.js";

const $ = (id) => document.getElementById(id);

export class Branding {
  constructor(form, base, onSaved) {
    this.form = form;
    this.base = base;
    this.onSaved = onSaved;
    this.screen = null; // the screen the form was filled from
    this.latest = []; // every screen as last polled
    this.warned = null; // the version a "changed elsewhere" warning was given for
    this.dirty = false;
    this.pictures = { logo_url: "", background_url: "" };
    this.choice = $("brand-screen");
    form.addEventListener("input", () => { this.dirty = true; });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.save();
    });
    $("brand-reset").addEventListener("click", () => {
      this.dirty = false;
      if (this.screen) this.fill(this.screen);
    });
    this.choice.addEventListener("change", () => {
      this.dirty = false;
      this.screen = null;
      this.show(this.latest);
    });
    for (const box of form.querySelectorAll(".picture")) this.wirePicture(box);
  }

  get name() {
    return this.choice.value || "main";
  }

  // Called on every poll: show the chosen screen's settings unless the admin is editing them.
  show(screens) {
    this.latest = screens;
    const screen = screens.find((s) => s.name === this.name);
    if (!screen) return;
    const changed = !this.screen || this.screen.version !== screen.version || this.screen.name !== screen.name;
    if (changed && this.dirty && this.screen && this.screen.name === screen.name) {
      if (this.warned === screen.version) return;
      this.warned = screen.version;
      say(`Screen “${screen.name}” was changed elsewhere (version ${screen.version}). Saving will be refused: undo your edits to see the new settings.`, "warn");
      return;
    }
    if (!this.dirty && changed) this.fill(screen);
  }

  fill(screen) {
    this.screen = screen;
    const c = screen.config;
    $("brand-title").value = c.title;
    $("brand-layout").value = c.layout;
    $("brand-background").value = c.theme.background;
    $("brand-foreground").value = c.theme.foreground;
    $("brand-accent").value = c.theme.accent;
    $("brand-font").value = c.theme.font;
    $("brand-cta-show").checked = c.cta.show;
    $("brand-cta-text").value = c.cta.text;
    $("brand-media").value = c.filters.media;
    $("brand-sources").value = c.filters.sources.join(", ");
    $("brand-dwell").value = String(c.pacing.dwell_seconds);
    $("brand-recycle").value = String(c.pacing.recycle_seconds);
    $("brand-css").value = c.custom_css;
    this.setPicture("logo_url", c.theme.logo_url);
    this.setPicture("background_url", c.theme.background_url);
    $("brand-version").textContent = `version ${screen.version}`;
  }

  collect() {
    const number = (id) => Number.parseInt($(id).value, 10);
    return {
      title: $("brand-title").value.trim(),
      layout: $("brand-layout").value,
      theme: {
        background: $("brand-background").value,
        foreground: $("brand-foreground").value,
        accent: $("brand-accent").value,
        font: $("brand-font").value,
        logo_url: this.pictures.logo_url,
        background_url: this.pictures.background_url,
      },
      cta: { show: $("brand-cta-show").checked, text: $("brand-cta-text").value.trim() },
      filters: {
        media: $("brand-media").value,
        sources: $("brand-sources").value.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean),
      },
      pacing: { dwell_seconds: number("brand-dwell"), recycle_seconds: number("brand-recycle") },
      custom_css: $("brand-css").value,
    };
  }

  async save() {
    if (!this.screen) return;
    const name = this.screen.name;
    try {
      const saved = await api("PATCH", `${this.base}/screens/${encodeURIComponent(name)}`,
        { config: this.collect(), version: this.screen.version });
      this.dirty = false;
      this.fill(saved);
      say(`Saved: screen “${name}” is at version ${saved.version}; open screens change now.`);
      this.onSaved();
    } catch (err) {
      if (err.status === 409 && err.body && err.body.screen) {
        this.dirty = false;
        this.fill({ ...err.body.screen });
        say(`Not saved: someone changed “${name}” meanwhile. Their settings are shown now; make your change again.`, "warn");
      } else {
        say(`Not saved: ${err.message}`, "error");
      }
    }
  }

  setPicture(field, url) {
    this.pictures[field] = url || "";
    const box = this.form.querySelector(`.picture[data-field="${field}"]`);
    const thumb = box.querySelector(".picture-thumb");
    thumb.hidden = !url;
    if (url) thumb.src = url;
    else thumb.removeAttribute("src");
    box.querySelector(".picture-remove").hidden = !url;
  }

  wirePicture(box) {
    const field = box.dataset.field;
    const input = box.querySelector("input[type=file]");
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      if (!file) return;
      const body = new FormData();
      body.append("image", file);
      say("Uploading…");
      try {
        const stored = await api("POST", `${this.base}/assets`, body);
        this.setPicture(field, stored.url);
        this.dirty = true;
        say("Picture uploaded: save the settings to use it.");
      } catch (err) {
        say(`Upload failed: ${err.message}`, "error");
      } finally {
        input.value = "";
      }
    });
    box.querySelector(".picture-remove").addEventListener("click", () => {
      this.setPicture(field, "");
      this.dirty = true;
    });
  }
}
