// The screens table: one group per screen (its steering buttons, then one row per client with
// its last heartbeat). Updated in place on every poll, so a button or select in use keeps focus.

const OFFLINE_AFTER = 30; // seconds without a heartbeat

export function ago(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s ago`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min ago`;
}

function cell(row, text, className = "") {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

export class ScreenTable {
  constructor({ table, template, appVersion, onCommand, onPreview, onDelete }) {
    this.table = table;
    this.template = template;
    this.appVersion = appVersion;
    this.onCommand = onCommand;
    this.onPreview = onPreview;
    this.onDelete = onDelete;
    this.groups = new Map(); // screen name -> {body, refs}
  }

  update(data) {
    const names = data.screens.map((s) => s.name);
    for (const [name, group] of this.groups) {
      if (!names.includes(name)) {
        group.body.remove();
        this.groups.delete(name);
      }
    }
    for (const screen of data.screens) {
      const group = this.groups.get(screen.name) || this.add(screen.name);
      this.table.appendChild(group.body); // keeps the server's order (main first)
      this.fill(group, screen, data);
    }
  }

  add(name) {
    const body = this.template.content.firstElementChild.cloneNode(true);
    body.dataset.screen = name;
    const refs = {
      name: body.querySelector(".screen-name"),
      status: body.querySelector(".screen-status"),
      badges: body.querySelector(".screen-badges"),
      pause: body.querySelector(".toggle-pause"),
      blackout: body.querySelector(".toggle-blackout"),
      layout: body.querySelector(".screen-layout"),
    };
    refs.name.textContent = name;
    body.querySelector(".steer").setAttribute("aria-label", `Screen ${name}`);
    for (const button of body.querySelectorAll("button[data-command]")) {
      button.addEventListener("click", () => this.onCommand(name, { action: button.dataset.command }));
    }
    refs.layout.addEventListener("change", () => this.onCommand(name, { action: "layout", layout: refs.layout.value }));
    body.querySelector(".screen-preview").addEventListener("click", () => this.onPreview(name));
    const remove = body.querySelector(".screen-delete");
    if (remove) {
      if (name === "main") remove.remove();
      else remove.addEventListener("click", () => this.onDelete(name));
    }
    const group = { body, refs };
    this.groups.set(name, group);
    return group;
  }

  fill({ body, refs }, screen, data) {
    const { state, config } = screen;
    const now = data.server_time;
    const clients = screen.clients.map((c) => ({
      ...c,
      online: now - c.seen_at <= OFFLINE_AFTER,
      preview: c.client === data.previewClient,
    }));
    const status = screenStatus(clients, now);
    refs.status.dataset.state = status.state;
    refs.status.textContent = status.text;
    refs.status.title = status.title;
    body.dataset.online = String(status.state === "online");
    const badges = [`layout ${config.layout}`];
    if (state.paused) badges.push("paused");
    if (state.blackout) badges.push("blackout");
    if (state.spotlight) badges.push(`spotlight #${state.spotlight}`);
    if (screen.announcement) badges.push(`announcing (${screen.announcement.style})`);
    refs.badges.textContent = badges.join(" · ");
    toggle(refs.pause, state.paused, "Pause", "Resume", "pause", "resume");
    toggle(refs.blackout, state.blackout, "Blackout", "End blackout", "blackout", "unblackout");
    if (document.activeElement !== refs.layout) refs.layout.value = config.layout;
    for (const row of [...body.querySelectorAll("tr.client")]) row.remove();
    if (!clients.length) {
      const row = body.insertRow();
      row.className = "client none";
      const td = cell(row, "No wall has shown this screen in the last 10 minutes. Open ", "muted");
      td.colSpan = 6;
      const code = document.createElement("code");
      code.textContent = `/wall/${document.getElementById("control").dataset.slug}?screen=${screen.name}`;
      td.append(code);
      return;
    }
    for (const c of clients) {
      const row = body.insertRow();
      row.className = "client";
      row.dataset.online = String(c.online);
      row.dataset.client = c.client;
      row.dataset.preview = String(c.preview);
      const connection = c.online ? "● online" : "○ offline";
      cell(row, c.preview ? `${c.online ? "●" : "○"} preview on this page, not a wall` : connection, "client-status");
      cell(row, `${c.width}×${c.height}`, "client-size");
      cell(row, c.layout || "–", "client-layout");
      cell(row, `${c.last_seq} / ${data.wall_seq}`, "client-seq");
      const old = c.version && c.version !== this.appVersion;
      cell(row, old ? `${c.version} (old: reload)` : c.version || "–", old ? "client-version old" : "client-version");
      cell(row, ago(now - c.seen_at), "client-seen");
    }
  }
}

// One screen's badge, from the same clients as its rows: only walls count as connected; the
// preview on this page is not a wall, and the badge says so when it is all there is.
export function screenStatus(clients, now) {
  const walls = clients.filter((c) => !c.preview);
  const online = walls.filter((c) => c.online).length;
  if (online) {
    return { state: "online", text: `${online} ${online === 1 ? "wall" : "walls"} online`, title: "Walls showing this screen sent a heartbeat in the last 30 s." };
  }
  if (walls.length) {
    const last = Math.max(...walls.map((c) => c.seen_at));
    return { state: "offline", text: `offline · last beat ${ago(now - last)}`, title: "No wall showing this screen sent a heartbeat in the last 30 s." };
  }
  if (clients.some((c) => c.online)) {
    return { state: "none", text: "no wall connected · only this page's preview", title: "Only the preview on this page shows this screen; it is not a wall." };
  }
  return { state: "none", text: "no wall connected", title: "No wall has shown this screen in the last 10 minutes." };
}

function toggle(button, on, offLabel, onLabel, offCommand, onCommand) {
  button.textContent = on ? onLabel : offLabel;
  button.dataset.command = on ? onCommand : offCommand;
  button.setAttribute("aria-pressed", String(on));
}
