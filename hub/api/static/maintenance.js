// Maintenance prompts (store links, ack, snooze) and consumables: on the overview (a
// table) and in the #/maintenance view (every part with its chart). A hub that does not
// serve them (404) gets a note instead.
import { api, reportFailure } from "/static/api.js";
import { partChart } from "/static/charts.js";
import { changeMemo, el, label, listOf, notServed, problemText, runBusy, safeLink } from "/static/render.js";
import { href, registerView, shownParams } from "/static/router.js";

const SNOOZE_DAYS = 7;
const DAY_MS = 86400000;
// Part charts loaded at once in the maintenance view (one request each).
const CHART_REQUESTS = 4;
const shown = changeMemo();
const shownInView = changeMemo();

// Where each place draws the same reply.
const overview = { list: "prompts", note: "maintenance-note", table: "consumables", memo: shown };
const inView = {
  list: "maintenance-view-prompts",
  note: "maintenance-view-note",
  table: "maintenance-view-parts",
  memo: shownInView,
  charts: true,
};

export function clearMaintenance() {
  chartsShown += 1; // charts still loading are not drawn
  for (const place of [overview, inView]) {
    place.memo.forget();
    document.getElementById(place.list).replaceChildren();
    document.getElementById(place.table).replaceChildren();
  }
}

export async function loadMaintenance() {
  const places = [overview];
  if (shownParams(maintenanceView)) places.push(inView);
  let data;
  try {
    data = await api("GET", "/api/maintenance");
  } catch (err) {
    for (const place of places) {
      place.memo.forget();
      const list = document.getElementById(place.list);
      const note = document.getElementById(place.note);
      const table = document.getElementById(place.table);
      if (notServed(err, list, note, "maintenance forecasts")) table.replaceChildren();
      else reportFailure(err, (text) => (note.textContent = `Could not load maintenance: ${text}`));
    }
    return;
  }
  for (const place of places) showMaintenance(place, data);
}

function showMaintenance(place, data) {
  if (!place.memo.changed(data)) return;
  const list = document.getElementById(place.list);
  const prompts = listOf(data, "prompts").filter((p) => p.status !== "resolved");
  list.hidden = false;
  document.getElementById(place.note).textContent = prompts.length ? "" : "Nothing needs replacing soon.";
  list.replaceChildren(...prompts.map(buildPrompt));
  const consumables = listOf(data, "consumables");
  const table = document.getElementById(place.table);
  if (place.charts) showPartCharts(table, consumables);
  else table.replaceChildren(...consumablesTable(consumables));
}

// Every part with its chart, by device; a redraw replaces the charts once all are in.
let chartsShown = 0;
async function showPartCharts(container, consumables) {
  const mine = ++chartsShown;
  if (!consumables.length) {
    const text = "No parts tracked yet: they appear as devices report their consumables.";
    container.replaceChildren(el("p", { className: "note", text }));
    return;
  }
  const queue = [...consumables];
  const blocks = new Map();
  const worker = async () => {
    while (queue.length) {
      const c = queue.shift();
      blocks.set(c, await partBlock(c.device_id, c.part, `${c.device_name || c.device_id}: ${c.part_name || c.part}`, c.device_name));
    }
  };
  await Promise.all(Array.from({ length: CHART_REQUESTS }, worker));
  if (mine !== chartsShown) return; // a newer reply is being drawn
  const ordered = consumables.map((c) => blocks.get(c));
  container.replaceChildren(el("div", { className: "charts-grid" }, ordered));
}

// One part's chart with its heading (also in the device view). `deviceName` links the
// heading to the device's view.
export async function partBlock(deviceId, part, title, deviceName) {
  const path = `/api/maintenance/devices/${encodeURIComponent(deviceId)}/parts/${encodeURIComponent(part)}`;
  const heading = deviceName
    ? el("h4", {}, [el("a", { href: href("devices", deviceName), text: title })])
    : el("h4", { text: title });
  const block = el("div", { className: "chart-block", "data-device-id": deviceId, "data-part": part }, [heading]);
  try {
    block.append(partChart(await api("GET", path)));
  } catch (err) {
    reportFailure(err, (text) => block.append(el("p", { className: "note", text: `Could not load its chart: ${text}` })));
  }
  return block;
}

const maintenanceView = {
  element: "view-maintenance",
  show: () => loadMaintenance(),
  hide: () => shownInView.forget(),
  title: () => "Maintenance",
};
registerView("maintenance", maintenanceView);

function buildPrompt(prompt) {
  const result = el("p", { className: "result", role: "status", "aria-live": "polite" });
  const part = prompt.part_name || prompt.part;
  const facts = [];
  if (typeof prompt.remaining_percent === "number") facts.push(`${prompt.remaining_percent}% left`);
  if (prompt.forecast_depletion) facts.push(`runs out around ${prompt.forecast_depletion}`);
  if (prompt.snoozed_until) facts.push(`snoozed until ${prompt.snoozed_until}`);
  const link = safeLink(prompt.store_url);
  const actions = [];
  if (prompt.status === "open") actions.push(promptButton(prompt, "Acknowledge", "ack", undefined, result));
  const until = new Date(Date.now() + SNOOZE_DAYS * DAY_MS).toISOString().slice(0, 10);
  actions.push(promptButton(prompt, `Snooze ${SNOOZE_DAYS} days`, "snooze", { until }, result));
  return el("li", { className: `prompt prompt-${prompt.status}`, "data-prompt-id": prompt.id }, [
    el("strong", { text: `${prompt.device_name || prompt.device_id}: ${part}` }),
    el("span", { className: "badge", text: label(String(prompt.status || "open")) }),
    el("p", { text: prompt.message || "" }),
    el("p", { className: "meta", text: facts.join(" · ") }),
    link ? el("a", { href: link, target: "_blank", rel: "noopener noreferrer", text: `Buy ${part}` }) : null,
    el("div", { className: "commands" }, actions),
    result,
  ]);
}

function promptButton(prompt, text, action, body, result) {
  const part = prompt.part_name || prompt.part;
  const button = el("button", { type: "button", text, "aria-label": `${text}: ${part}` });
  const path = `/api/maintenance/prompts/${encodeURIComponent(prompt.id)}/${action}`;
  button.addEventListener("click", () =>
    runBusy(button, async () => {
      try {
        await api("POST", path, body);
        await loadMaintenance();
      } catch (err) {
        reportFailure(err, (message) => problemText(result, `${text} failed: ${message}`));
      }
    }),
  );
  return button;
}

function consumablesTable(consumables) {
  if (!consumables.length) return [];
  const headings = ["Device", "Part", "Remaining", "Runs out around"];
  const rows = consumables.map((c) =>
    el("tr", {}, [
      el("td", { text: c.device_name || c.device_id }),
      el("td", { text: c.part_name || c.part }),
      el("td", { text: typeof c.remaining_percent === "number" ? `${c.remaining_percent}%` : "—" }),
      el("td", { text: c.forecast_depletion || "—" }),
    ]),
  );
  return [
    el("table", { className: "consumables" }, [
      el("caption", { text: "Consumables" }),
      el("thead", {}, [el("tr", {}, headings.map((h) => el("th", { scope: "col", text: h })))]),
      el("tbody", {}, rows),
    ]),
  ];
}
