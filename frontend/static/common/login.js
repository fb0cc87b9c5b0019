import { api } from "./api.js";

const form = document.getElementById("login");
const error = document.getElementById("login-error");

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  const data = new FormData(form);
  try {
    await api("POST", "/api/session", { name: data.get("name"), password: data.get("password") });
    const next = new URLSearchParams(location.search).get("next");
    location.assign(next && next.startsWith("/") && !next.startsWith("//") ? next : "/admin");
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  }
});
