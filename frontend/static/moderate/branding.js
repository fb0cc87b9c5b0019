// Which screen the preview dresses as: "main" unless the moderator picks another (the picker
// shows when the event has more than one screen). The screens' settings are read again every few
// seconds, so a branding change made on the control page reaches the preview without a reload.

import { api } from "../common/api.js";

const EVERY_MS = 10000;

export function dressPreview(slug, preview) {
  const select = document.getElementById("preview-screen");
  const picker = document.getElementById("preview-screen-picker");
  let screens = [];
  let applied = null;

  function apply() {
    const chosen = screens.find((s) => s.name === select.value) || null;
    const key = chosen ? `${chosen.name}:${chosen.version}` : "";
    if (key === applied) return;
    applied = key;
    preview.brand(chosen ? chosen.config : null);
  }

  async function refresh() {
    try {
      screens = (await api("GET", `/api/events/${encodeURIComponent(slug)}/screens`)).screens;
    } catch {
      return; // the next refresh catches up; the preview keeps its look meanwhile
    }
    const names = screens.map((s) => s.name);
    if ([...select.options].map((o) => o.value).join("\n") !== names.join("\n")) {
      const was = select.value || "main";
      select.replaceChildren(...names.map((name) => new Option(name, name)));
      select.value = names.includes(was) ? was : names.includes("main") ? "main" : names[0] || "";
    }
    picker.hidden = names.length < 2;
    apply();
  }

  select.addEventListener("change", apply);
  refresh();
  setInterval(refresh, EVERY_MS);
}
