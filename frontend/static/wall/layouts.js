// The screen's layouts by name. Each one holds the cards on stage in its own element and says
// how many places it has; see layout-*.js.

import { BoardLayout } from "./layout-board.js";
import { SingleLayout } from "./layout-single.js";
import { SwarmLayout } from "./layout-swarm.js";
import { TickerLayout } from "./layout-ticker.js";

export const LAYOUTS = ["masonry", "spotlight", "ticker", "carousel", "swarm"];

export function createLayout(name, host, { onCapacity, crowd }) {
  switch (name) {
    case "spotlight":
    case "carousel":
      return new SingleLayout(host, { kind: name });
    case "ticker":
      return new TickerLayout(host);
    case "swarm":
      return new SwarmLayout(host, { crowd });
    default:
      return new BoardLayout(host, { onCapacity });
  }
}
