// Where cards go on a masonry board, as pure arithmetic on their heights, so the board can try a
// layout before committing to it (and tests can check the rules without a browser).
//
// Cards keep their column once they have one: a new card goes to the top of the least filled
// column that has room for it, and only that column slides down, instead of every card on the
// screen gliding to a new place. Within a column, cards stack in the given order (pinned, then
// newest first). With a height limit (the big screen), a card that would cross the bottom edge
// is hidden and loses its column, so it can go wherever room appears later; an empty column takes
// any card, so a card taller than the screen is cut rather than never shown.
//
// cards: [{ height, column }], column being where the card already is, or null for a new card.
// Returns each card's slot ({ column, y, visible }; column null when hidden) and the count hidden.

export function placeCards(cards, { columns, gap = 0, limit = Infinity }) {
  const count = Math.max(1, columns);
  const column = cards.map((card) => (Number.isInteger(card.column) && card.column < count ? card.column : null));
  const load = new Array(count).fill(0);
  cards.forEach((card, i) => {
    if (column[i] !== null) load[column[i]] += card.height + gap;
  });
  cards.forEach((card, i) => {
    if (column[i] !== null) return;
    let best = null;
    for (let k = 0; k < count; k += 1) {
      const room = load[k] === 0 || load[k] + card.height <= limit;
      if (room && (best === null || load[k] < load[best])) best = k;
    }
    if (best === null) return;
    column[i] = best;
    load[best] += card.height + gap;
  });
  const tops = new Array(count).fill(0);
  let hidden = 0;
  const slots = cards.map((card, i) => {
    const k = column[i];
    if (k !== null && (tops[k] === 0 || tops[k] + card.height <= limit)) {
      const slot = { column: k, y: tops[k], visible: true };
      tops[k] += card.height + gap;
      return slot;
    }
    hidden += 1;
    return { column: null, y: 0, visible: false };
  });
  return { slots, hidden, tops };
}

// Whether one more card of `height`, put at position `at` (after the pinned cards, as the
// newest), leaves every card on the board visible.
export function fitsOneMore(cards, height, at, options) {
  const trial = [...cards.slice(0, at), { height, column: null }, ...cards.slice(at)];
  return placeCards(trial, options).hidden === 0;
}

// The height to expect of a card not measured yet: the median of those on the board.
export function typicalHeight(cards) {
  if (cards.length === 0) return 0;
  const sorted = cards.map((card) => card.height).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
