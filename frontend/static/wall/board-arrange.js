// Where the big screen's masonry cards go and how tall each one is, as pure arithmetic, so the
// board can try a layout before committing to it (tests/frontend/test_board_arrange.py runs this
// file in V8).
//
// Every column is filled to the bottom edge. A card has a natural height (its content at the
// column width), a least height (its photo cropped to half its height) and a greatest one (its
// photo cropped to twice its height). A column's cards are squeezed or stretched within those
// bounds, photos first, until the last one ends exactly at the bottom; when the photos cannot take
// up the rest, every card stretches evenly (a text card's words stay centred in it). So the board
// is covered whenever every column has a card, and nothing overlaps: cards stack with `gap`
// between them.
//
// cards: [{ natural, least, most, column, shown }] in board order, column being where the card
// is (shown: it is on screen) or would like to go (the place a card just left), or null for a new
// card. Cards on screen keep their column and, within it, their order, before any other card is
// placed; a card that does not fit where it would like to go (or no longer fits its column) goes
// to the column with the most room. A card whose least height fits nowhere is hidden. An empty column takes any card, cut to the screen's height if it
// is taller; a column left empty takes the last card of the fullest column, so no column stays
// bare while another has two cards.
// Returns { slots: [{ column, y, height, visible }], hidden }; hidden slots have column null.

export function arrangeCards(cards, { columns, gap = 0, limit }) {
  const count = Math.max(1, Math.floor(columns));
  const members = Array.from({ length: count }, () => []);
  const column = cards.map(() => null);
  const total = (k, key) => members[k].reduce((sum, i) => sum + cards[i][key], 0) + gap * Math.max(0, members[k].length - 1);
  const fits = (k, card) => members[k].length === 0 || total(k, "least") + gap + card.least <= limit;
  const join = (k, i) => {
    members[k].push(i);
    column[i] = k;
  };
  for (const first of [true, false]) {
    cards.forEach((card, i) => {
      const k = card.column;
      if (Boolean(card.shown) !== first || !Number.isInteger(k) || k < 0 || k >= count) return;
      if (fits(k, card)) join(k, i);
    });
  }
  cards.forEach((card, i) => {
    if (column[i] !== null) return;
    let best = null;
    for (let k = 0; k < count; k += 1) {
      if (fits(k, card) && (best === null || total(k, "natural") < total(best, "natural"))) best = k;
    }
    if (best !== null) join(best, i);
  });
  for (let empty = members.findIndex((m) => m.length === 0); empty >= 0; empty = members.findIndex((m) => m.length === 0)) {
    let donor = null;
    for (let k = 0; k < count; k += 1) {
      if (members[k].length < 2) continue;
      if (donor === null || members[k].length > members[donor].length) donor = k;
    }
    if (donor === null) break;
    const last = Math.max(...members[donor]); // its bottom card
    members[donor] = members[donor].filter((i) => i !== last);
    join(empty, last);
  }
  const slots = cards.map(() => ({ column: null, y: 0, height: 0, visible: false }));
  members.forEach((list, k) => {
    list.sort((a, b) => a - b); // board order within the column
    const heights = justify(list.map((i) => cards[i]), gap, limit);
    let y = 0;
    list.forEach((i, n) => {
      slots[i] = { column: k, y, height: heights[n], visible: true };
      y += heights[n] + gap;
    });
  });
  return { slots, hidden: slots.filter((s) => !s.visible).length };
}

// The heights of one column's cards, so that they end exactly at `limit`.
export function justify(cards, gap, limit) {
  if (cards.length === 0) return [];
  const room = Math.max(0, limit - gap * (cards.length - 1));
  const heights = cards.map((c) => c.natural);
  let rest = room - heights.reduce((a, b) => a + b, 0);
  const share = (weights, amount) => {
    const sum = weights.reduce((a, b) => a + b, 0);
    if (sum <= 0) return 0;
    const used = Math.sign(amount) * Math.min(Math.abs(amount), sum);
    weights.forEach((w, i) => {
      heights[i] += (used * w) / sum;
    });
    return used;
  };
  if (rest > 0) rest -= share(cards.map((c) => Math.max(0, c.most - c.natural)), rest);
  if (rest < 0) rest -= share(cards.map((c) => Math.max(0, c.natural - c.least)), rest);
  // What the photos could not take: spread over every card (growing), or, for a card taller
  // than the screen alone in its column, cut from it.
  if (rest !== 0) {
    const sum = heights.reduce((a, b) => a + Math.max(b, 1), 0);
    heights.forEach((h, i) => {
      heights[i] = Math.max(0, h + (rest * Math.max(h, 1)) / sum);
    });
  }
  return heights;
}

// Whether one more card, put last on the board, leaves every card visible without squeezing its
// column's photos more than half-way to their least height.
export function fitsOneMore(cards, card, options) {
  const trial = [...cards, { ...card, column: null }];
  const { slots, hidden } = arrangeCards(trial, options);
  if (hidden > 0) return false;
  const k = slots.at(-1).column;
  const mine = trial.filter((_, i) => slots[i].column === k);
  const sum = (key) => mine.reduce((s, c) => s + c[key], 0) + options.gap * (mine.length - 1);
  return sum("natural") <= options.limit + (sum("natural") - sum("least")) / 2;
}

// The size to expect of a card not measured yet: the one of median height on the board.
export function typicalSize(cards) {
  if (cards.length === 0) return { natural: 0, least: 0, most: 0 };
  const sorted = [...cards].sort((a, b) => a.natural - b.natural);
  const { natural, least, most } = sorted[Math.floor(sorted.length / 2)];
  return { natural, least, most };
}
