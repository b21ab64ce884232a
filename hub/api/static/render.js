// Building the dashboard's DOM safely: text goes in as text, links only to the web.

let lastId = 0;

// A page-unique id for label/aria wiring (device names make poor ids).
export function nextId() {
  lastId += 1;
  return `m${lastId}`;
}

// An element with attributes, text and children; nothing is ever parsed as HTML.
export function el(tag, props, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children || []) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// "return_to_dock" -> "return to dock"
export function label(name) {
  return String(name).replaceAll("_", " ");
}

// Formatters are made once: toLocaleString() builds a new one on every call, which cost
// most of the time a card took to draw (a page shows thousands of values).
// (The same fields as toLocaleTimeString() and toLocaleString() show.)
const TIME_FIELDS = { hour: "numeric", minute: "numeric", second: "numeric" };
const TIME_FORMAT = new Intl.DateTimeFormat(undefined, TIME_FIELDS);
const DATE_TIME_FORMAT = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "numeric",
  day: "numeric",
  ...TIME_FIELDS,
});
const NUMBER_FORMAT = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

// Epoch seconds or ISO 8601, shown in the browser's locale.
export function formatTime(value) {
  if (value === null || value === undefined) return "—";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const now = new Date();
  const today =
    now.getDate() === date.getDate() && now.getMonth() === date.getMonth() && now.getFullYear() === date.getFullYear();
  return (today ? TIME_FORMAT : DATE_TIME_FORMAT).format(date);
}

// Sets a node's text only when it differs: an unchanged write still costs the page a
// style pass and wakes every observer.
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

// Replays a node's "changed" highlight without forcing a layout: two identical
// animations under different names, swapped (reading offsetWidth to restart one
// animation made every event lay the whole page out).
export function markChanged(node) {
  const next = node.classList.contains("changed") ? "changed-again" : "changed";
  node.classList.remove("changed", "changed-again");
  node.classList.add(next);
}

// Only http(s) store links become links (a catalog entry must not run script).
export function safeLink(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

// A state value for people: booleans as on/off, numbers rounded, with the unit.
export function formatValue(value, unit) {
  if (value === null || value === undefined) return "—";
  const suffix = unit ? ` ${unit}` : "";
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "number") {
    return NUMBER_FORMAT.format(value) + suffix;
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value) + suffix;
}

// Run `work` once at a time per control. Busy controls are marked aria-disabled rather
// than disabled, so a keyboard user's focus stays on them.
export async function runBusy(control, work) {
  if (control.getAttribute("aria-disabled") === "true") return;
  control.setAttribute("aria-disabled", "true");
  try {
    await work();
  } finally {
    control.removeAttribute("aria-disabled");
  }
}

// Replies may be a bare list or {"<key>": [...]}.
export function listOf(data, key) {
  if (Array.isArray(data)) return data;
  return data && Array.isArray(data[key]) ? data[key] : [];
}

// A hub that does not serve a section's endpoint (404) gets a note instead of the list.
export function notServed(err, list, note, what) {
  if (!err || err.status !== 404) return false;
  list.replaceChildren();
  list.hidden = true;
  note.textContent = `This hub does not serve ${what} yet.`;
  return true;
}

export function problemText(result, text) {
  result.className = "result problem";
  result.textContent = text;
}

// Remembers what a section shows: an unchanged reply leaves the page alone (a redraw
// under the pointer could swallow a click, and would move keyboard focus).
export function changeMemo() {
  let shown = null;
  return {
    changed(data) {
      const text = JSON.stringify(data);
      if (shown === text) return false;
      shown = text;
      return true;
    },
    forget() {
      shown = null;
    },
  };
}
