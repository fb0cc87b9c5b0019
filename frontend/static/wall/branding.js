// A screen's look from its config (docs/screens.md): colours and font as CSS custom properties
// on #wall, title, logo, background image, the call-to-action band and the custom CSS. Applied
// on load and again on every wall.config, without a reload. Config text is set as text only.

import { displayableUrl } from "../common/media.js";

const FONTS = {
  sans: 'system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  serif: 'Georgia, "Times New Roman", serif',
  rounded: '"Nunito", "Varela Round", ui-rounded, system-ui, sans-serif',
  mono: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace',
  condensed: '"Roboto Condensed", "Arial Narrow", "Helvetica Condensed", sans-serif-condensed, sans-serif',
};
const COLOUR = /^#[0-9a-fA-F]{6}$/;

export const DEFAULT_CONFIG = Object.freeze({
  layout: "masonry",
  filters: { media: "any", sources: [] },
  pacing: { dwell_seconds: 8, recycle_seconds: 20 },
  theme: { background: "", foreground: "", accent: "", font: "sans", logo_url: "", background_url: "" },
  title: "",
  cta: { show: true, text: "" },
  custom_css: "",
});

// The config with every missing part filled from the defaults (older servers, partial data).
export function complete(config) {
  const c = config && typeof config === "object" ? config : {};
  return {
    ...DEFAULT_CONFIG,
    ...c,
    filters: { ...DEFAULT_CONFIG.filters, ...(c.filters || {}) },
    pacing: { ...DEFAULT_CONFIG.pacing, ...(c.pacing || {}) },
    theme: { ...DEFAULT_CONFIG.theme, ...(c.theme || {}) },
    cta: { ...DEFAULT_CONFIG.cta, ...(c.cta || {}) },
  };
}

let customSheet = null;

export function applyBranding(root, config) {
  const theme = config.theme;
  setColour(root, "--wall-bg", theme.background);
  setColour(root, "--wall-fg", theme.foreground);
  setColour(root, "--wall-accent", theme.accent);
  root.style.setProperty("--wall-font", FONTS[theme.font] || FONTS.sans);
  const backdrop = root.querySelector(".wall-backdrop");
  const background = displayableUrl(theme.background_url);
  backdrop.style.backgroundImage = background ? `url("${encodeURI(background)}")` : "";
  root.dataset.hasBackground = background ? "true" : "false";

  const logo = root.querySelector(".wall-logo");
  const logoUrl = displayableUrl(theme.logo_url);
  if (logoUrl) {
    logo.onerror = () => { logo.hidden = true; };
    logo.onload = () => { logo.hidden = false; };
    if (logo.src !== logoUrl) logo.src = logoUrl;
  } else {
    logo.hidden = true;
    logo.removeAttribute("src");
  }
  root.querySelector(".wall-title").textContent = config.title || root.dataset.eventName || "";
  document.title = `${config.title || root.dataset.eventName || ""} · wall`;

  const cta = root.querySelector(".wall-cta");
  cta.hidden = !config.cta.show;
  const custom = cta.querySelector(".wall-cta-custom");
  custom.textContent = config.cta.text || "";
  custom.hidden = !config.cta.text;
  cta.querySelector(".wall-cta-default").hidden = Boolean(config.cta.text);
  const qr = cta.querySelector(".wall-qr");
  qr.onerror = () => { qr.hidden = true; };
  qr.onload = () => { qr.hidden = false; };
  if (qr.complete && qr.naturalWidth > 0) qr.hidden = false;

  applyCustomCss(config.custom_css || "");
}

function setColour(root, name, value) {
  if (COLOUR.test(value || "")) root.style.setProperty(name, value);
  else root.style.removeProperty(name);
}

// Custom CSS goes into a constructed stylesheet: no inline <style>, so the CSP stays strict.
function applyCustomCss(css) {
  if (!customSheet) {
    customSheet = new CSSStyleSheet();
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, customSheet];
  }
  try {
    customSheet.replaceSync(css);
  } catch {
    customSheet.replaceSync("");
  }
}
