// The figures as chart columns: pure functions (no DOM, no uPlot), tested in V8.

const MINUTE = 60;

export function minuteSeconds(iso) {
  return Math.floor(Date.parse(iso) / 1000);
}

// Posts per minute per source as aligned columns: [xs, ...one column per source], every minute
// from the first to the last (a minute without posts is 0, so lines drop to the floor).
export function timelineColumns(timeline, maxMinutes = 24 * 60) {
  if (!timeline.length) return { sources: [], columns: [[]] };
  const sources = [...new Set(timeline.map((t) => t.source))].sort();
  const counts = new Map();
  let first = Infinity;
  let last = -Infinity;
  for (const t of timeline) {
    const x = minuteSeconds(t.minute);
    first = Math.min(first, x);
    last = Math.max(last, x);
    counts.set(`${x}|${t.source}`, t.posts);
  }
  // a long span (posts from days before) is cut to its last day, so a chart stays readable
  first = Math.max(first, last - (maxMinutes - 1) * MINUTE);
  const xs = [];
  for (let x = first; x <= last; x += MINUTE) xs.push(x);
  const columns = [xs, ...sources.map((s) => xs.map((x) => counts.get(`${x}|${s}`) || 0))];
  return { sources, columns };
}

// The multiplier's steps as columns [xs, ratio, guests, ambassadors].
export function multiplierColumns(points) {
  return [
    points.map((p) => minuteSeconds(p.minute)),
    points.map((p) => p.ratio),
    points.map((p) => p.guests),
    points.map((p) => p.ambassadors),
  ];
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

export function percent(rate) {
  return rate === null || rate === undefined ? "–" : `${Math.round(rate * 100)} %`;
}
