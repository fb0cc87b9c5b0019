// The preview: the current post exactly as the big screen will show it in its default (masonry)
// layout. The card is built by the wall's own code (wall/cards.js) from the wall's card template
// (templates/_card.html) and styled by the wall's own stylesheets, inside a frame the size of a
// 1080p screen, so viewport units and the column count come out as on the wall. The frame keeps
// the wall's CSS away from the console and is scaled down to the width the console gives it.
// ``brand(config)`` dresses the frame in a screen's branding (colours, font, custom CSS) with the
// wall's own branding.js, loaded into the frame (preview-frame.js) so it works on the frame's
// document.

// A namespace import: buildCard is the wall's card API; how media is loaded may change name.
import * as wallCards from "../wall/cards.js";

const SCREEN = { width: 1920, height: 1080 };
const FRAME_SCRIPT = "./preview-frame.js";

export class WallPreview {
  // ``box``: the element the preview fills (its width is ours to fill, its height we set);
  // ``template``: the wall's card <template>; ``stylesheets``: what the wall page loads.
  constructor(box, template, stylesheets) {
    this.box = box;
    this.template = template;
    this.key = "";
    this.frame = document.createElement("iframe");
    this.frame.className = "preview-frame";
    this.frame.title = "The post as the wall will show it";
    this.frame.tabIndex = -1; // keys stay with the console
    this.frame.width = String(SCREEN.width);
    this.frame.height = String(SCREEN.height);
    box.append(this.frame);
    const doc = this.frame.contentDocument;
    for (const href of stylesheets) {
      const link = doc.createElement("link");
      link.rel = "stylesheet";
      link.href = new URL(href, location.href).href;
      link.addEventListener("load", () => this.fit());
      doc.head.append(link);
    }
    doc.body.className = "wall view-wall";
    // The wall page's own nesting: #wall > #cards > the masonry layout > cards, with the parts
    // branding.js dresses (backdrop, logo, title, call to action) around them.
    const wall = doc.createElement("div");
    wall.id = "wall";
    wall.dataset.view = "wall";
    wall.dataset.layout = "masonry";
    const part = (tag, className, hidden = true) => Object.assign(doc.createElement(tag), { className, hidden });
    wall.append(part("div", "wall-backdrop", false), part("img", "wall-logo"), part("h1", "wall-title"));
    const cta = part("footer", "wall-cta", false);
    cta.append(part("span", "wall-cta-custom"), part("span", "wall-cta-default"), part("img", "wall-qr"));
    const host = doc.createElement("section");
    host.id = "cards";
    host.className = "cards";
    this.cards = doc.createElement("div");
    this.cards.className = "layout layout-masonry";
    host.append(this.cards);
    wall.append(host, cta);
    doc.body.append(wall);
    this.config = null; // branding to apply once the frame's branding code is loaded
    this.branded = false;
    const script = doc.createElement("script");
    script.type = "module";
    script.src = new URL(FRAME_SCRIPT, import.meta.url).href;
    script.addEventListener("load", () => {
      this.branded = true;
      if (this.config) this.brand(this.config);
    });
    doc.head.append(script);
    const win = this.frame.contentWindow;
    this.cardSizes = new win.ResizeObserver(() => this.fit());
    new ResizeObserver(() => this.fit()).observe(box);
  }

  // Show ``post`` (a moderator view; the wall reads the same fields), or nothing.
  show(post) {
    const key = post ? `${post.id}:${post.version}` : "";
    if (key === this.key) return;
    this.key = key;
    this.cardSizes.disconnect();
    if (!post) {
      this.cards.replaceChildren();
      this.box.hidden = true;
      return;
    }
    this.box.hidden = false;
    const card = wallCards.buildCard(this.template, post, 0);
    card.classList.add("placed");
    this.cards.replaceChildren(card);
    this.cardSizes.observe(card);
    const media = wallCards.prepareMedia
      ? wallCards.prepareMedia(card, post)
      : wallCards.loadImage(card, post, () => {});
    media.then(() => this.fit());
    this.fit();
  }

  // Dress the frame as the screen with this ``config`` is dressed (null: the wall's defaults).
  brand(config) {
    this.config = config || {};
    const win = this.frame.contentWindow;
    if (!this.branded || !win || !win.wallBrand) return;
    win.wallBrand(this.config);
    this.fit();
  }

  // Size the card as the wall's layout does (a column of the screen), then scale the frame so
  // the card fills the box's width, and give the box the card's scaled height.
  fit() {
    const card = this.cards.firstElementChild;
    const win = this.frame.contentWindow;
    if (!card || !win || !this.box.clientWidth) return;
    const style = win.getComputedStyle(this.cards);
    const columns = Math.max(1, parseInt(style.getPropertyValue("--columns"), 10) || 1);
    const gap = parseFloat(style.columnGap) || 0;
    card.style.width = `${(this.cards.clientWidth - gap * (columns - 1)) / columns}px`;
    // Layout sizes, not the bounding box: the wall's entry animation scales the card a moment.
    const at = this.cards.getBoundingClientRect();
    if (!card.offsetWidth) return;
    const scale = this.box.clientWidth / card.offsetWidth;
    this.frame.style.transform = `scale(${scale}) translate(${-at.left}px, ${-at.top}px)`;
    this.box.style.height = `${Math.ceil(card.offsetHeight * scale)}px`;
    this.box.dataset.scale = scale.toFixed(3);
  }
}
