// The two charts, drawn by uPlot (frontend/static/vendor/uplot, loaded as a classic script).

import { multiplierColumns, timelineColumns } from "./series.js";

const PALETTE = ["#0b4f8a", "#c0392b", "#1e7d45", "#8a3b12", "#6a3d9a", "#b8860b", "#2f4f4f"];
const AXIS = { stroke: "#16181b", font: "15px system-ui, sans-serif", grid: { stroke: "#e3dfd4" },
  ticks: { stroke: "#b9b4a6" } };
const HEIGHT = 300;

const charts = new Map();

function place(box, make) {
  const old = charts.get(box.id);
  if (old) old.destroy();
  box.replaceChildren();
  const chart = make(Math.max(box.clientWidth, 240));
  if (chart) charts.set(box.id, chart);
  else charts.delete(box.id);
}

function empty(box, text) {
  const p = document.createElement("p");
  p.className = "chart-empty";
  p.textContent = text;
  box.append(p);
  return null;
}

export function drawTimeline(box, timeline) {
  const { sources, columns } = timelineColumns(timeline);
  place(box, (width) => {
    if (!sources.length) return empty(box, "No posts yet.");
    const series = [{}, ...sources.map((s, i) => ({
      label: s, stroke: PALETTE[i % PALETTE.length], width: 3, points: { show: false },
    }))];
    return new window.uPlot({
      width, height: HEIGHT, series, legend: { live: false },
      axes: [{ ...AXIS }, { ...AXIS, label: "posts / min", labelFont: "15px system-ui, sans-serif" }],
      scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    }, columns, box);
  });
}

export function drawMultiplier(box, points) {
  const columns = multiplierColumns(points);
  place(box, (width) => {
    if (!points.some((p) => p.ratio !== null)) return empty(box, "No ambassador has posted yet.");
    return new window.uPlot({
      width, height: HEIGHT, legend: { live: false },
      series: [
        {},
        { label: "guests per ambassador", stroke: "#8a3b12", width: 4, scale: "ratio",
          paths: window.uPlot.paths.stepped({ align: 1 }), points: { show: false } },
        { label: "guests", stroke: "#0b4f8a", width: 2, dash: [8, 6], scale: "people",
          points: { show: false }, paths: window.uPlot.paths.stepped({ align: 1 }) },
        { label: "ambassadors", stroke: "#1e7d45", width: 2, dash: [3, 5], scale: "people",
          points: { show: false }, paths: window.uPlot.paths.stepped({ align: 1 }) },
      ],
      scales: { ratio: { range: (u, min, max) => [0, Math.max(1, max)] },
        people: { range: (u, min, max) => [0, Math.max(1, max)] } },
      axes: [{ ...AXIS }, { ...AXIS, scale: "ratio", label: "×", labelFont: "15px system-ui, sans-serif" },
        { ...AXIS, scale: "people", side: 1, grid: { show: false } }],
    }, columns, box);
  });
}
