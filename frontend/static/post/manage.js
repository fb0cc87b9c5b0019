// The author's private page: the post's status, refreshed, and a way to take it down.

import { api } from "../common/api.js";

const page = document.getElementById("manage-page");
const statusLine = document.getElementById("manage-status");
const text = document.getElementById("manage-text");
const withdraw = document.getElementById("manage-withdraw");
const path = `/api/manage/${encodeURIComponent(page.dataset.token)}`;
const STATUS_TEXT = { pending: "Waiting for approval", approved: "On the wall", rejected: "Not shown", hidden: "Taken down" };

function show(data) {
  statusLine.textContent = STATUS_TEXT[data.status] || data.status;
  statusLine.dataset.status = data.status;
  if (data.post) text.textContent = data.post.text;
  withdraw.hidden = !(data.status === "pending" || data.status === "approved");
}

async function refresh() {
  try {
    show(await api("GET", path));
  } catch (err) {
    statusLine.textContent = err.message;
  }
}

withdraw.addEventListener("click", async () => {
  withdraw.disabled = true;
  try {
    show(await api("DELETE", path));
  } catch (err) {
    statusLine.textContent = err.message;
  } finally {
    withdraw.disabled = false;
  }
});

refresh();
setInterval(refresh, 3000);
