// The Access page: API tokens (list, make, revoke) and accounts (list, add, new password, delete)
// through /api/tokens and /api/users. Labels and names are user text: always set as text.

import { api } from "../common/api.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "never";
}

let note = document.querySelector(".tokens-note");

function say(text, bad = false) {
  note.textContent = text;
  note.classList.toggle("bad", bad);
  note.hidden = !text;
}

function button(label, className, action) {
  const b = el("button", className, label);
  b.type = "button";
  b.addEventListener("click", async () => {
    b.disabled = true;
    note = b.closest(".admin-section").querySelector(".access-note");
    try {
      await action();
    } catch (err) {
      say(err.message, true);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

function row(cells, actions) {
  const tr = el("tr");
  for (const [text, className] of cells) tr.append(el("td", className || "", text));
  const td = el("td");
  const box = el("div", "access-actions");
  box.append(...actions);
  td.append(box);
  tr.append(td);
  return tr;
}

async function loadTokens() {
  const { tokens } = await api("GET", "/api/tokens");
  const body = document.querySelector(".tokens tbody");
  body.replaceChildren(...tokens.map((t) => {
    const expiry = t.expires_at ? `${when(t.expires_at)}${t.expired ? " (expired)" : ""}` : "never";
    const tr = row(
      [[t.label, "label"], [t.role], [t.event || "every event"], [when(t.created_at)],
        [when(t.last_used_at)], [expiry, t.expired ? "expired" : ""]],
      [button("Revoke", "danger", async () => {
        if (!confirm(`Revoke the token "${t.label}"? Whatever uses it stops working at once.`)) return;
        await api("DELETE", `/api/tokens/${t.id}`);
        say(`Revoked "${t.label}".`);
        await loadTokens();
      })],
    );
    tr.dataset.id = t.id;
    return tr;
  }));
  if (!tokens.length) body.append(row([["No tokens yet.", "empty"]], []));
}

async function loadUsers() {
  const { users } = await api("GET", "/api/users");
  const body = document.querySelector(".users tbody");
  body.replaceChildren(...users.map((u) => row(
    [[u.name, "label"], [u.role], [when(u.created_at)], [u.sessions ? `${u.sessions} session(s)` : "no"]],
    [
      button("New password", "secondary", async () => {
        const password = prompt(`New password for ${u.name} (8 characters or more). They are logged out everywhere.`);
        if (!password) return;
        await api("PUT", `/api/users/${u.id}/password`, { password });
        say(`New password set for ${u.name}; their sessions ended.`);
        await loadUsers();
      }),
      button("Delete", "danger", async () => {
        if (!confirm(`Delete the account ${u.name}? They are logged out at once.`)) return;
        await api("DELETE", `/api/users/${u.id}`);
        say(`Deleted ${u.name}.`);
        await loadUsers();
      }),
    ],
  )));
  if (!users.length) body.append(row([["No accounts yet.", "empty"]], []));
}

document.querySelector(".token-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  note = document.querySelector(".tokens-note");
  const form = event.target;
  const data = new FormData(form);
  const body = { role: data.get("role"), label: data.get("label") || "" };
  if (data.get("event")) body.event = data.get("event");
  const days = Number(data.get("days"));
  if (days > 0) body.expires_at = new Date(Date.now() + days * 86400000).toISOString();
  try {
    const made = await api("POST", "/api/tokens", body);
    const shown = document.querySelector(".token-secret");
    shown.querySelector(".secret").textContent = made.secret;
    shown.hidden = false;
    form.reset();
    say(`Made "${made.label}".`);
    await loadTokens();
  } catch (err) {
    say(err.message, true);
  }
});

document.querySelector(".user-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  note = document.querySelector(".users-note");
  const form = event.target;
  const data = new FormData(form);
  try {
    const made = await api("POST", "/api/users", Object.fromEntries(data));
    form.reset();
    say(`Added ${made.name}.`);
    await loadUsers();
  } catch (err) {
    say(err.message, true);
  }
});

Promise.all([loadTokens(), loadUsers()]).catch((err) => say(err.message, true));
