// The live preview: a real wall page for the chosen screen in an iframe, drawn at 1280×720 and
// scaled down to the panel, so it looks like the big screen. Settings reach it like any screen.

const WIDTH = 1280;
const HEIGHT = 720;

export class Preview {
  constructor(frame, box, label, slug) {
    this.frame = frame;
    this.box = box;
    this.label = label;
    this.slug = slug;
    this.name = null;
    new ResizeObserver(() => this.fit()).observe(box);
    this.fit();
    this.show("main");
  }

  fit() {
    const scale = Math.min(1, this.box.clientWidth / WIDTH) || 0.25;
    this.frame.style.width = `${WIDTH}px`;
    this.frame.style.height = `${HEIGHT}px`;
    this.frame.style.transform = `scale(${scale})`;
    this.box.style.height = `${Math.round(HEIGHT * scale)}px`;
  }

  show(name) {
    if (name === this.name) return;
    this.name = name;
    this.label.textContent = name;
    const params = new URLSearchParams({ screen: name, preview: "1" });
    this.frame.src = `/wall/${encodeURIComponent(this.slug)}?${params}`;
  }
}
