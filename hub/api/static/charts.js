// Charts drawn as SVG by hand: an attribute's history and a part's remaining life with
// its forecast. SVG rather than a charting library: a few hundred lines cover the two
// chart kinds, the lines and band are elements a test (and a person's browser tools) can
// inspect, colours come from the page's CSS so light and dark follow the system, and
// nothing is added to a page a Raspberry Pi serves. Each chart is a <figure> whose <svg>
// has role="img" and an aria-label naming the device, the attribute or part and the
// period; its <figcaption> says in words what the chart shows. Values from the hub reach
// the DOM through textContent and setAttribute only.
import { nextId } from "/static/render.js";

const SVG = "http://www.w3.org/2000/svg";
const HOUR_MS = 3600000;
const DAY_MS = 24 * HOUR_MS;
const HEIGHT = 190;
const PAD = { left: 46, right: 14, top: 12, bottom: 26 };
// Drawn when the chart's box has no width yet (hidden): redrawn once it has one.
const FALLBACK_WIDTH = 560;
// Roughly one time label per this many pixels.
const PX_PER_TIME_TICK = 90;
// Beyond this, a forecast end is marked at the edge (a coin cell lasting years).
const MAX_FORECAST_SPAN_MS = 400 * DAY_MS;

function svg(tag, attrs, children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children || []) if (child) node.append(child);
  return node;
}

function round(value) {
  return Math.round(value * 10) / 10;
}

// -- scales and ticks ------------------------------------------------------------------

function scale(d0, d1, r0, r1) {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

// Round numbers spanning [low, high]: about `count` steps of 1, 2 or 5 x 10^n.
export function niceTicks(low, high, count = 4) {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return [];
  if (low === high) {
    const pad = Math.abs(low) * 0.05 || 1;
    low -= pad;
    high += pad;
  }
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.floor(low / step) * step; v <= high + step * 1e-9; v += step) {
    ticks.push(Number(v.toFixed(10)));
  }
  if (ticks[ticks.length - 1] < high) ticks.push(Number((ticks[ticks.length - 1] + step).toFixed(10)));
  return ticks;
}

// Up to a year between ticks: a part forecast a year ahead on a phone has room for
// about three labels (with 30 days at most it got eleven, written over each other).
const TIME_STEPS_HOURS = [1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720, 1440, 2160, 4320, 8760];

// Local-time ticks (whole hours or midnights) between t0 and t1 (ms), about `count`.
export function timeTicks(t0, t1, count) {
  const wanted = (t1 - t0) / Math.max(1, count) / HOUR_MS;
  const hours = TIME_STEPS_HOURS.find((h) => h >= wanted) || TIME_STEPS_HOURS.at(-1);
  const ticks = [];
  const at = new Date(t0);
  if (hours < 24) {
    at.setMinutes(0, 0, 0);
    while (at.getTime() <= t1) {
      if (at.getTime() >= t0 && at.getHours() % hours === 0) ticks.push(at.getTime());
      at.setHours(at.getHours() + 1);
    }
  } else {
    const days = hours / 24;
    at.setHours(0, 0, 0, 0);
    let index = 0;
    while (at.getTime() <= t1) {
      if (at.getTime() >= t0 && index % days === 0) ticks.push(at.getTime());
      if (at.getTime() >= t0) index += 1;
      at.setDate(at.getDate() + 1);
    }
  }
  return { ticks, daily: hours >= 24 };
}

export function shortDate(ms) {
  return new Date(ms).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

function shortTime(ms) {
  return new Date(ms).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

function dateAndTime(ms) {
  return `${shortDate(ms)} ${shortTime(ms)}`;
}

// -- the frame every chart shares -----------------------------------------------------

// -> {figure, svgNode, caption, draw(render)}: `render(width)` returns the SVG's children.
function frame(kind, ariaLabel, attrs) {
  const captionId = nextId();
  const svgNode = svg("svg", {
    role: "img",
    "aria-label": ariaLabel,
    "aria-describedby": captionId,
    class: "chart-svg",
    height: HEIGHT,
    preserveAspectRatio: "none",
  });
  const caption = document.createElement("figcaption");
  caption.id = captionId;
  caption.className = "chart-summary";
  const figure = document.createElement("figure");
  figure.className = `chart chart-${kind}`;
  for (const [key, value] of Object.entries(attrs)) figure.dataset[key] = value;
  figure.append(svgNode, caption);
  let render = null;
  let drawnWidth = 0;
  const draw = (next) => {
    if (next) render = next;
    if (!render) return;
    const width = Math.round(figure.clientWidth) || FALLBACK_WIDTH;
    drawnWidth = figure.clientWidth ? width : 0;
    svgNode.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
    svgNode.replaceChildren(...render(width));
  };
  // A phone turned sideways, a view shown after it was built: redraw at the new width.
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(() => {
      if (Math.abs(Math.round(figure.clientWidth) - drawnWidth) > 1) draw();
    }).observe(figure);
  }
  return { figure, svgNode, caption, draw };
}

function axes(width, x, y, xTicks, daily, yTicks, yUnit) {
  const nodes = [];
  const bottom = HEIGHT - PAD.bottom;
  for (const v of yTicks) {
    const py = y(v);
    nodes.push(svg("line", { class: "grid", x1: PAD.left, x2: width - PAD.right, y1: py, y2: py }));
    const text = `${v.toLocaleString()}${yUnit}`;
    nodes.push(svg("text", { class: "tick", x: PAD.left - 6, y: py + 4, "text-anchor": "end", text }));
  }
  for (const t of xTicks) {
    const px = x(t);
    nodes.push(svg("line", { class: "grid", x1: px, x2: px, y1: PAD.top, y2: bottom }));
    const text = daily ? shortDate(t) : shortTime(t);
    nodes.push(svg("text", { class: "tick", x: px, y: HEIGHT - 8, "text-anchor": "middle", text }));
  }
  return nodes;
}

function pathOf(points) {
  return points.map(([px, py], i) => `${i ? "L" : "M"}${round(px)},${round(py)}`).join("");
}

function clipTo(width) {
  const id = nextId();
  const plot = { x: PAD.left, y: 0, width: Math.max(0, width - PAD.left - PAD.right), height: HEIGHT };
  return { id, node: svg("clipPath", { id }, [svg("rect", plot)]) };
}

// -- history ----------------------------------------------------------------------------

// `every`: the history is asked for one value per slice of this many seconds (a chart
// a few hundred pixels wide shows no more; a busy sensor has thousands of readings).
export const PERIODS = [
  { key: "24h", label: "24 h", words: "the last 24 hours", ms: DAY_MS, every: null },
  { key: "7d", label: "7 d", words: "the last 7 days", ms: 7 * DAY_MS, every: 600 },
  { key: "30d", label: "30 d", words: "the last 30 days", ms: 30 * DAY_MS, every: 1800 },
];

// An attribute's values over a period, as a step line (a value holds until it changes),
// extended live. -> {figure, setHistory(history, period), extend(at, value)}.
export function historyChart({ device, attribute, unit }) {
  const what = attribute.replaceAll("_", " ");
  const state = { points: [], period: PERIODS[0], truncated: false, now: Date.now() };
  const chart = frame("history", `${device}: ${what}`, { device, attribute });
  const suffix = unit ? ` ${unit}` : "";
  const tickUnit = unit === "%" ? " %" : "";

  function describe() {
    const values = state.points.map((p) => p[1]);
    chart.svgNode.setAttribute("aria-label", `${device}: ${what}, ${state.period.words}`);
    chart.svgNode.dataset.points = String(values.length);
    chart.svgNode.dataset.last = values.length ? String(values.at(-1)) : "";
    if (!values.length) {
      chart.caption.textContent = `No ${what} recorded in ${state.period.words}.`;
      return;
    }
    const low = Math.min(...values);
    const high = Math.max(...values);
    const fmt = (v) => `${v.toLocaleString(undefined, { maximumFractionDigits: 2 })}${suffix}`;
    const older = state.truncated ? ` (only the newest ${values.length} of the period)` : "";
    const slices = state.period.every ? `, the last of every ${state.period.every / 60} minutes` : "";
    chart.caption.textContent =
      `${what[0].toUpperCase()}${what.slice(1)} over ${state.period.words}: between ` +
      `${fmt(low)} and ${fmt(high)}, now ${fmt(values.at(-1))}; ` +
      `${values.length} reading${values.length === 1 ? "" : "s"}${slices}${older}.`;
  }

  function render(width) {
    const end = Math.max(Date.now(), state.now);
    const start = end - state.period.ms;
    const shown = state.points.filter(([t]) => t >= start);
    // The value holding at the window's start, if an older reading says what it was.
    const before = state.points.filter(([t]) => t < start).at(-1);
    const values = shown.map((p) => p[1]).concat(before ? [before[1]] : []);
    const yTicks = niceTicks(Math.min(...values), Math.max(...values));
    const x = scale(start, end, PAD.left, width - PAD.right);
    const y = scale(yTicks[0] ?? 0, yTicks.at(-1) ?? 1, HEIGHT - PAD.bottom, PAD.top);
    const { ticks, daily } = timeTicks(start, end, (width - PAD.left) / PX_PER_TIME_TICK);
    const nodes = axes(width, x, y, ticks, daily, yTicks, tickUnit);
    if (!values.length) return nodes;
    const steps = [];
    if (before) steps.push([x(start), y(before[1])]);
    for (const [t, v] of shown) {
      if (steps.length) steps.push([x(t), steps.at(-1)[1]]);
      steps.push([x(t), y(v)]);
    }
    steps.push([x(end), steps.at(-1)[1]]);
    nodes.push(svg("path", { class: "line", "data-series": attribute, d: pathOf(steps) }));
    const last = shown.at(-1) || before;
    nodes.push(svg("circle", { class: "dot", cx: round(x(Math.max(last[0], start))), cy: round(y(last[1])), r: 3 }));
    return nodes;
  }

  return {
    figure: chart.figure,
    setHistory(history, period) {
      state.period = period;
      state.now = Date.now();
      state.truncated = Boolean(history.truncated);
      state.points = (history.points || [])
        .map((p) => [Date.parse(p.at), p.value])
        .filter(([t, v]) => Number.isFinite(t) && typeof v === "number" && Number.isFinite(v));
      describe();
      chart.draw(render);
    },
    // A state_changed event for this attribute: one more step on the line.
    extend(at, value) {
      const t = typeof at === "number" ? at * 1000 : Date.parse(at);
      if (!Number.isFinite(t) || typeof value !== "number" || !Number.isFinite(value)) return;
      if (state.points.length && t < state.points.at(-1)[0]) return; // older than what is shown
      state.points.push([t, value]);
      state.now = Math.max(state.now, t);
      const start = state.now - state.period.ms;
      // Keep one reading before the window: it says what the value was at its start.
      while (state.points.length > 1 && state.points[1][0] < start) state.points.shift();
      describe();
      chart.draw(render);
    },
  };
}

// -- a part's remaining life and its forecast --------------------------------------------

function parseTime(value) {
  const t = value ? Date.parse(value) : NaN;
  return Number.isFinite(t) ? t : null;
}

// `chart` is GET /api/maintenance/devices/{name}/parts/{part}. -> the <figure>.
export function partChart(chart) {
  const part = chart.part_name || chart.part;
  const now = parseTime(chart.now) ?? Date.now();
  const readings = (chart.readings || [])
    .map((r) => [parseTime(r.at), r.remaining_percent])
    .filter(([t, v]) => t !== null && typeof v === "number");
  const f = chart.forecast;
  const fAt = f ? parseTime(f.at) ?? now : now;
  const mid = f ? parseTime(f.depletion_at) : null;
  const low = f ? parseTime(f.depletion_low) : null;
  const high = f ? parseTime(f.depletion_high) : null;
  const th = chart.thresholds || {};
  const promptFrom = parseTime(th.prompt_from);
  const start = Math.min(readings.length ? readings[0][0] : now - 7 * DAY_MS, now - DAY_MS);
  const wantedEnd = Math.max(now + DAY_MS, high ?? mid ?? now + 30 * DAY_MS, mid ?? 0);
  const end = Math.min(wantedEnd + (wantedEnd - start) * 0.04, now + MAX_FORECAST_SPAN_MS);
  const refill = chart.action === "refill";
  const period = `${shortDate(start)} to ${shortDate(end)}`;
  const ctx = frame("part", `${chart.device_name}: ${part}, ${period}`, {
    device: chart.device_name,
    part: chart.part,
  });
  ctx.svgNode.dataset.readings = String(readings.length);
  ctx.caption.textContent = partSummary(chart, part, readings, { mid, low, high, promptFrom, refill });

  ctx.draw((width) => {
    const x = scale(start, end, PAD.left, width - PAD.right);
    const y = scale(0, 100, HEIGHT - PAD.bottom, PAD.top);
    const { ticks, daily } = timeTicks(start, end, (width - PAD.left) / PX_PER_TIME_TICK);
    const clip = clipTo(width);
    const nodes = [clip.node, ...axes(width, x, y, ticks, daily, [0, 25, 50, 75, 100], " %")];
    const plot = svg("g", { "clip-path": `url(#${clip.id})` });
    if (f) {
      const from = [x(fAt), y(f.remaining_percent)];
      // The 80 % band: from now to the early and late ends (to the edge when the late
      // end is beyond the forecast horizon).
      const late = high !== null ? [x(high), y(0)] : [x(end), y(f.remaining_percent)];
      if (low !== null) {
        plot.append(svg("path", { class: "band", "data-series": "band", d: `${pathOf([from, [x(low), y(0)], late])}Z` }));
      }
      if (mid !== null) {
        plot.append(svg("path", { class: "forecast", "data-series": "forecast", d: pathOf([from, [x(mid), y(0)]]) }));
      }
    }
    if (readings.length) {
      const line = readings.map(([t, v]) => [x(t), y(v)]);
      plot.append(svg("path", { class: "line", "data-series": "remaining", d: pathOf(line) }));
    }
    nodes.push(plot);
    const floor = th.floor_percent;
    if (typeof floor === "number" && floor > 0) {
      nodes.push(svg("line", { class: "threshold", "data-mark": "floor", x1: PAD.left, x2: width - PAD.right, y1: y(floor), y2: y(floor) }));
      nodes.push(svg("text", { class: "mark-label", x: width - PAD.right - 4, y: y(floor) - 4, "text-anchor": "end", text: `prompt below ${floor} %` }));
    }
    if (promptFrom !== null && promptFrom >= start && promptFrom <= end) {
      nodes.push(svg("line", { class: "threshold", "data-mark": "prompt", x1: x(promptFrom), x2: x(promptFrom), y1: PAD.top, y2: HEIGHT - PAD.bottom }));
      nodes.push(svg("text", { class: "mark-label", x: x(promptFrom) + 4, y: PAD.top + 22, text: "prompt" }));
    }
    nodes.push(svg("line", { class: "today", "data-mark": "today", x1: x(now), x2: x(now), y1: PAD.top, y2: HEIGHT - PAD.bottom }));
    // At the foot of its line: "prompt" is at the head of its own, often beside it.
    nodes.push(svg("text", { class: "mark-label", x: x(now) + 4, y: HEIGHT - PAD.bottom - 4, text: "today" }));
    if (mid !== null && mid <= end) {
      nodes.push(svg("circle", { class: "end", "data-mark": "end", cx: x(mid), cy: y(0), r: 4 }));
    }
    return nodes;
  });
  return ctx.figure;
}

function partSummary(chart, part, readings, { mid, low, high, promptFrom, refill }) {
  const f = chart.forecast;
  const sentences = [];
  const left = f ? f.remaining_percent : readings.length ? readings.at(-1)[1] : null;
  const name = `${part[0].toUpperCase()}${part.slice(1)} of ${chart.device_name}`;
  if (left === null) sentences.push(`${name}: no readings yet.`);
  else if (readings.length > 1) {
    sentences.push(`${name}: ${round(left)} % left now, ${round(readings[0][1])} % on ${shortDate(readings[0][0])}.`);
  } else sentences.push(`${name}: ${round(left)} % left now.`);
  const runsOut = refill ? "runs dry" : "runs out";
  const when = (ms) => (mid !== null && mid - Date.now() < 3 * DAY_MS ? dateAndTime(ms) : shortDate(ms));
  if (f && mid !== null) {
    const band =
      low !== null ? `; 80 % band ${when(low)} to ${high !== null ? when(high) : "beyond the forecast horizon"}` : "";
    sentences.push(`Forecast: ${runsOut} around ${when(mid)}${band}.`);
  } else if (f) {
    sentences.push(`Forecast: no end in sight within the forecast horizon.`);
  }
  const th = chart.thresholds || {};
  const lines = [];
  if (typeof th.floor_percent === "number") lines.push(`below ${th.floor_percent} % left`);
  if (promptFrom !== null) {
    const ahead = th.lead_days >= 1 ? `${th.lead_days} days` : `${Math.round(th.lead_days * 24)} hours`;
    lines.push(`from ${when(promptFrom)} (${ahead} ahead)`);
  }
  if (lines.length) sentences.push(`A prompt comes ${lines.join(" or ")}.`);
  return sentences.join(" ");
}
