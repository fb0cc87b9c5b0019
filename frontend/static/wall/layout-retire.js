// Cards leave with an animation, then go: the DOM holds only what is on screen.

const LEAVE_MS = 700;

export function retire(card, done = () => {}) {
  if (!card.parentNode) return;
  card.classList.add("leaving");
  setTimeout(() => {
    card.remove();
    done();
  }, LEAVE_MS);
}
