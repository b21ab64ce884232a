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

// Epoch seconds or ISO 8601, shown in the browser's locale.
export function formatTime(value) {
  if (value === null || value === undefined) return "—";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
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
    return value.toLocaleString(undefined, { maximumFractionDigits: 2 }) + suffix;
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
