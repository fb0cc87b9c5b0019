// Swipe to decide, for fingers and pens: drag the card right to approve, left to reject. The
// card follows the finger and the hint on that side fades in; past the threshold it lights up
// ("release to approve"). Letting go before the threshold, or a gesture the browser takes over
// (a vertical scroll), puts the card back and decides nothing. Mice keep to the buttons.

const SHARE_OF_WIDTH = 0.3; // the threshold, as a share of the card's width ...
const MAX_THRESHOLD_PX = 140; // ... but never further than this
const LABELS = { approve: ["Approve", "Release to approve"], reject: ["Reject", "Release to reject"] };

export function swipeable(card, onSwipe) {
  const hints = {
    approve: card.querySelector(".swipe-approve"),
    reject: card.querySelector(".swipe-reject"),
  };
  let start = null;

  function show(dx) {
    const threshold = Math.min(MAX_THRESHOLD_PX, card.clientWidth * SHARE_OF_WIDTH);
    const share = Math.min(1, Math.abs(dx) / threshold);
    const side = dx > 0 ? "approve" : dx < 0 ? "reject" : "";
    const armed = share >= 1;
    card.style.transform = dx ? `translateX(${dx}px) rotate(${dx / 40}deg)` : "";
    card.style.setProperty("--swipe", share.toFixed(2));
    card.dataset.swipe = side;
    card.dataset.armed = String(armed);
    for (const [name, hint] of Object.entries(hints)) hint.textContent = LABELS[name][armed && name === side ? 1 : 0];
  }

  function end() {
    start = null;
    show(0);
    card.dataset.swipe = "";
  }

  card.addEventListener("pointerdown", (ev) => {
    if (ev.pointerType === "mouse" || !ev.isPrimary || start) return;
    start = { x: ev.clientX, id: ev.pointerId };
    card.setPointerCapture(ev.pointerId);
    card.dataset.dragging = "true";
  });
  card.addEventListener("pointermove", (ev) => {
    if (start && ev.pointerId === start.id) show(ev.clientX - start.x);
  });
  card.addEventListener("pointerup", (ev) => {
    if (!start || ev.pointerId !== start.id) return;
    const decided = card.dataset.armed === "true" ? card.dataset.swipe : "";
    card.dataset.dragging = "false";
    end();
    if (decided) onSwipe(decided);
  });
  for (const type of ["pointercancel", "lostpointercapture"]) {
    card.addEventListener(type, (ev) => {
      if (!start || ev.pointerId !== start.id) return;
      card.dataset.dragging = "false";
      end();
    });
  }
}
