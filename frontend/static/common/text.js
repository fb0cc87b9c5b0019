// User text shown inline next to other text (names, handles, excerpts) must keep its Unicode
// bidi controls to itself. An override left open is cut off by the surrounding <bdi>, but an
// isolate left open (U+2066-2068) even captures the <bdi>'s own closing isolate and drags the
// text after it along (a name "‮admin⁦" would swap places with the handle that follows).

const OPENS = new Map([
  ["\u202a", "embed"], ["\u202b", "embed"], ["\u202d", "embed"], ["\u202e", "embed"],
  ["\u2066", "isolate"], ["\u2067", "isolate"], ["\u2068", "isolate"],
]);
const POP_EMBED = "\u202c";
const POP_ISOLATE = "\u2069";

// The text with unmatched closers dropped and every opener closed at its end.
export function contained(text) {
  const open = [];
  let out = "";
  for (const ch of text || "") {
    const kind = OPENS.get(ch);
    if (kind) {
      open.push(kind);
    } else if (ch === POP_EMBED) {
      if (open.at(-1) !== "embed") continue;
      open.pop();
    } else if (ch === POP_ISOLATE) {
      const at = open.lastIndexOf("isolate");
      if (at < 0) continue;
      open.length = at;
    }
    out += ch;
  }
  for (let i = open.length - 1; i >= 0; i--) out += open[i] === "isolate" ? POP_ISOLATE : POP_EMBED;
  return out;
}
