import { api } from "./api.js";

const form = document.getElementById("login");
const error = document.getElementById("login-error");

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  const data = new FormData(form);
  try {
    await api("POST", "/api/session", { name: data.get("name"), password: data.get("password") });
    // The server checked ?next= (wallserver/auth/landing.py): a path on this site, or /admin.
    location.assign(form.dataset.next || "/admin");
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  }
});
