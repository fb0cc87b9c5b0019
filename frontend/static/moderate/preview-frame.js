// Runs inside the preview's frame (see preview.js), not in the console: the wall's own branding
// code, so a screen's colours, font and custom CSS dress the previewed card as they dress the
// wall, and its custom CSS lands in the frame's document, never in the console's.

import { applyBranding, complete } from "../wall/branding.js";

window.wallBrand = (config) => applyBranding(document.getElementById("wall"), complete(config));
