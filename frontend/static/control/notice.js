// One status line for the whole control page: what just happened, or what went wrong.

const box = document.getElementById("control-message");
let timer = null;

export function say(text, kind = "info") {
  clearTimeout(timer);
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = !text;
  if (text && kind === "info") timer = setTimeout(() => { box.hidden = true; }, 8000);
}
