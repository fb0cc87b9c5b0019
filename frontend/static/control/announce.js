// The announcement form: a banner or a full-screen message, optionally with a countdown, for
// all screens or one. "Showing now" follows the screens' answers, not the form.

import { command } from "./commands.js";

const $ = (id) => document.getElementById(id);

export function wireAnnouncements(base, refresh) {
  const form = $("announce-form");
  const target = $("announce-target");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = $("announce-text").value.trim();
    if (!text) return;
    const minutes = Number.parseFloat($("announce-minutes").value);
    const style = form.querySelector("input[name=announce-style]:checked").value;
    const body = { action: "announce", text, style };
    if (minutes > 0) body.until = Date.now() / 1000 + minutes * 60;
    if (await command(base, target.value || null, body)) refresh();
  });
  $("announce-clear").addEventListener("click", async () => {
    if (await command(base, target.value || null, { action: "clear_announcement" })) refresh();
  });
}

export function showAnnouncement(data) {
  const name = $("announce-target").value;
  const screen = name && data.screens.find((s) => s.name === name);
  const current = screen ? screen.announcement : data.announcement;
  const out = $("announce-current");
  if (!current) {
    out.textContent = "nothing";
    return;
  }
  let text = `${current.style === "fullscreen" ? "full screen" : "banner"}: ${current.text}`;
  if (current.until) text += ` (countdown to ${new Date(current.until * 1000).toLocaleTimeString()})`;
  out.textContent = text;
}
