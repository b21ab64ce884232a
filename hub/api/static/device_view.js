// The #/devices/NAME view: the device's card, a history chart for each numeric
// attribute (24 h / 7 d / 30 d, extended live by state events) and a chart for each of
// its parts the hub tracks (remaining life, forecast and band).
import { ApiError, api, reportFailure } from "/static/api.js";
import { PERIODS, historyChart } from "/static/charts.js";
import { updateCard } from "/static/device_card.js";
import { cardFor, devicesLoaded, findDevice, followDevices } from "/static/devices.js";
import { headlineAttributes } from "/static/headline.js";
import { partBlock } from "/static/maintenance.js";
import { el, label, listOf } from "/static/render.js";
import { registerView, shownParams } from "/static/router.js";

// What the view shows now: {device id, card parts, charts: Map(attribute -> block)}.
let shown = null;

const deviceView = {
  element: "view-device",
  show: (params) => showDeviceView(params),
  hide: () => {
    shown = null;
    document.getElementById("device-view").replaceChildren();
  },
  title: (params) => params.name,
};
registerView("devices/:name", deviceView);

// What decides the view's layout: a change elsewhere in the home leaves it alone.
function layoutOf(device) {
  return device
    ? JSON.stringify([device.id, device.name, device.room, device.model, device.family, device.capabilities])
    : "";
}

followDevices({
  shown() {
    const params = shownParams(deviceView);
    if (!params) return;
    const device = findDevice(params.name);
    if (shown && device && shown.layout === layoutOf(device)) {
      updateCard(shown.card, device);
      return;
    }
    showDeviceView(params);
  },
  changed(device, attribute, event) {
    if (!shown || shown.id !== device.id) return;
    updateCard(shown.card, device, attribute);
    const block = attribute ? shown.charts.get(attribute) : null;
    if (block && event) block.extend(event.at, event.new);
  },
  cleared() {
    shown = null;
    document.getElementById("device-view").replaceChildren();
  },
});

function showDeviceView(params) {
  const device = findDevice(params.name);
  document.getElementById("device-title").textContent = device ? device.name : params.name;
  document.getElementById("device-note").textContent = device
    ? ""
    : devicesLoaded()
      ? "This hub has no device of that name."
      : "Loading…";
  if (!device) {
    shown = null;
    document.getElementById("device-view").replaceChildren();
    return;
  }
  const card = cardFor(device);
  shown = { id: device.id, layout: layoutOf(device), card, charts: new Map() };
  const histories = numericAttributes(device).map((attribute) => {
    const block = historyBlock(device, attribute);
    shown.charts.set(attribute, block);
    return block.node;
  });
  const parts = el("section", { className: "parts", "aria-label": `Parts of ${device.name}` });
  const sections = [card.card];
  if (histories.length) {
    sections.push(
      el("section", { className: "history", "aria-label": `History of ${device.name}` }, [
        el("h3", { text: "History" }),
        el("div", { className: "charts-grid" }, histories),
      ]),
    );
  }
  sections.push(parts);
  document.getElementById("device-view").replaceChildren(...sections);
  loadPartCharts(device, parts, shown);
}

// Numbers worth plotting: what the device reports that is an int or float attribute of
// its capabilities, or a number; its main state first. An attribute never reported has
// no history to draw.
function numericAttributes(device) {
  const caps = device.capabilities;
  const numeric = new Set(
    (caps ? caps.attributes : []).filter((a) => a.type === "int" || a.type === "float").map((a) => a.name),
  );
  const names = new Set();
  for (const [name, entry] of Object.entries(device.state || {})) {
    if (numeric.has(name) || typeof entry.value === "number") names.add(name);
  }
  const first = headlineAttributes(device).filter((name) => names.has(name));
  return [...first, ...[...names].filter((n) => !first.includes(n)).sort()];
}

// One attribute's chart with its period buttons; events wait while a period loads.
function historyBlock(device, attribute) {
  const entry = (device.state || {})[attribute];
  const chart = historyChart({ device: device.name, attribute, unit: entry ? entry.unit : null });
  const note = el("p", { className: "note" });
  let loading = null; // events that arrived while the history loads
  let period = PERIODS[0];
  const buttons = PERIODS.map((choice) => {
    const button = el("button", {
      type: "button",
      "data-period": choice.key,
      "aria-pressed": choice === period ? "true" : "false",
      "aria-label": `${label(attribute)}: ${choice.words}`,
      text: choice.label,
    });
    button.addEventListener("click", () => load(choice));
    return button;
  });
  async function load(choice) {
    period = choice;
    for (const button of buttons) {
      button.setAttribute("aria-pressed", button.dataset.period === choice.key ? "true" : "false");
    }
    const mine = [];
    loading = mine;
    const since = new Date(Date.now() - choice.ms).toISOString();
    const query = new URLSearchParams({ attribute, since });
    if (choice.every) query.set("every", String(choice.every));
    let history;
    try {
      history = await api("GET", `/api/devices/${encodeURIComponent(device.id)}/history?${query}`);
    } catch (err) {
      if (loading === mine) loading = null;
      reportFailure(err, (text) => (note.textContent = `Could not load the history: ${text}`));
      return;
    }
    if (loading !== mine) return; // another period was chosen meanwhile
    loading = null;
    note.textContent = "";
    chart.setHistory(history, choice);
    for (const [at, value] of mine) chart.extend(at, value);
  }
  load(period);
  const node = el("div", { className: "chart-block", "data-attribute": attribute }, [
    el("div", { className: "chart-head" }, [
      el("h4", { text: label(attribute) }),
      el("div", { className: "periods", role: "group", "aria-label": `Period of ${label(attribute)}` }, buttons),
    ]),
    chart.figure,
    note,
  ]);
  return {
    node,
    extend(at, value) {
      if (loading) loading.push([at, value]);
      else chart.extend(at, value);
    },
  };
}

// The device's tracked parts (from GET /api/maintenance), each with its chart. A hub
// without maintenance shows none.
async function loadPartCharts(device, container, view) {
  let overview;
  try {
    overview = await api("GET", "/api/maintenance");
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) {
      reportFailure(err, (text) => container.replaceChildren(el("p", { className: "note", text: `Could not load its parts: ${text}` })));
    }
    return;
  }
  const parts = listOf(overview, "consumables").filter((c) => c.device_id === device.id);
  if (shown !== view || !parts.length) return;
  const blocks = await Promise.all(parts.map((c) => partBlock(device.id, c.part, c.part_name || c.part)));
  if (shown !== view) return;
  container.replaceChildren(el("h3", { text: "Parts" }), el("div", { className: "charts-grid" }, blocks));
}
