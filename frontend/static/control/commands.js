// Steering commands (docs/screens.md): one screen or all of them, with a word on the outcome.

import { api } from "../common/api.js";
import { say } from "./notice.js";

const DONE = {
  pause: "Paused", resume: "Resumed", next: "Next post sent", blackout: "Blacked out",
  unblackout: "Blackout ended", reload: "Reload sent", layout: "Layout switched",
  announce: "Announcement shown", clear_announcement: "Announcement cleared",
  spotlight: "Spotlight on", clear_spotlight: "Spotlight cleared",
};

export function commandUrl(base, screen) {
  return screen ? `${base}/screens/${encodeURIComponent(screen)}/commands` : `${base}/commands`;
}

// Sends one command; returns the answer, or null after telling the user why it failed.
export async function command(base, screen, body) {
  const what = DONE[body.action] || body.action;
  const where = screen ? `screen “${screen}”` : "all screens";
  try {
    const answer = await api("POST", commandUrl(base, screen), body);
    say(`${what} · ${where}`);
    return answer;
  } catch (err) {
    say(`${what} failed on ${where}: ${err.message}`, "error");
    return null;
  }
}
