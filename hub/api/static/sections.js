// Scenes (run, last trace) and maintenance prompts (store links, ack, snooze).
// A hub that does not serve these endpoints (404) gets a note instead of a section.
import { ApiError, api, reportFailure } from "/static/api.js";
import { el, formatTime, label, runBusy, safeLink } from "/static/render.js";

const SNOOZE_DAYS = 7;
const DAY_MS = 86400000;
// Scene ids whose last trace is open, kept open when the list is redrawn.
const openTraces = new Set();
// What each section shows now: an unchanged reply leaves the page alone (a redraw
// under the pointer could swallow a click, and would move keyboard focus).
const shown = { scenes: null, maintenance: null };

function unchanged(kind, data) {
  const text = JSON.stringify(data);
  if (shown[kind] === text) return true;
  shown[kind] = text;
  return false;
}

export function clearSections() {
  openTraces.clear();
  shown.scenes = null;
  shown.maintenance = null;
  for (const id of ["scenes", "prompts", "consumables"]) {
    document.getElementById(id).replaceChildren();
  }
}

function notServed(err, list, note, what) {
  if (!(err instanceof ApiError) || err.status !== 404) return false;
  list.replaceChildren();
  list.hidden = true;
  note.textContent = `This hub does not serve ${what} yet.`;
  return true;
}

// Replies may be a bare list or {"<key>": [...]}.
function listOf(data, key) {
  if (Array.isArray(data)) return data;
  return data && Array.isArray(data[key]) ? data[key] : [];
}

function problemText(result, text) {
  result.className = "result problem";
  result.textContent = text;
}

// -- scenes ------------------------------------------------------------------------------

export async function loadScenes() {
  const list = document.getElementById("scenes");
  const note = document.getElementById("scenes-note");
  let data;
  try {
    data = await api("GET", "/api/scenes");
  } catch (err) {
    shown.scenes = null;
    if (!notServed(err, list, note, "scenes")) {
      reportFailure(err, (text) => (note.textContent = `Could not load the scenes: ${text}`));
    }
    return;
  }
  if (unchanged("scenes", data)) return;
  const scenes = listOf(data, "scenes");
  list.hidden = false;
  note.textContent = scenes.length ? "" : "No scenes yet.";
  list.replaceChildren(...scenes.map(buildScene));
}

function sceneStatus(scene) {
  if (scene.valid === false) return `invalid: ${scene.error || "see its file"}`;
  if (scene.enabled === false) return "disabled";
  return scene.running ? "running" : "";
}

function buildScene(scene) {
  const result = el("p", { className: "result", role: "status", "aria-live": "polite" });
  const name = scene.name || scene.id;
  const runnable = scene.valid !== false && scene.enabled !== false;
  const run = el("button", {
    type: "button",
    "data-scene": scene.id,
    "aria-label": `Run ${name}`,
    "aria-disabled": runnable ? null : "true",
    title: runnable ? null : `It cannot run: ${sceneStatus(scene)}`,
    text: "Run",
  });
  run.addEventListener("click", () => {
    if (!runnable) return;
    runBusy(run, async () => {
      try {
        const started = await api("POST", `/api/scenes/${encodeURIComponent(scene.id)}/run`);
        result.className = "result";
        const id = started && started.run_id ? ` (run ${started.run_id})` : "";
        result.textContent = `Started${id}.`;
      } catch (err) {
        reportFailure(err, (text) => problemText(result, `Could not run it: ${text}`));
      }
    });
  });
  const last = scene.last_run;
  const trace = el("div", { className: "trace" });
  const summary = last
    ? `Last run: ${label(String(last.outcome || "unknown"))}, ${formatTime(last.started_at)}`
    : "Last run: never";
  const details = el("details", { className: "last-run" }, [el("summary", { text: summary }), trace]);
  details.addEventListener("toggle", () => {
    if (details.open) {
      openTraces.add(scene.id);
      loadTrace(scene.id, trace);
    } else {
      openTraces.delete(scene.id);
    }
  });
  if (openTraces.has(scene.id)) details.open = true;
  const meta = [scene.mode, sceneStatus(scene)].filter(Boolean).join(" · ");
  return el("li", { className: "scene", "data-scene-id": scene.id }, [
    el("div", { className: "scene-head" }, [
      el("strong", { text: name }),
      el("span", { className: "meta", text: meta }),
      run,
    ]),
    details,
    result,
  ]);
}

function stepText(step) {
  let outcome = "done";
  if (step.error) outcome = `error: ${step.error}`;
  else if (step.result !== null && step.result !== undefined) outcome = JSON.stringify(step.result);
  return `${step.path || ""} ${step.kind || ""}: ${outcome}`;
}

async function loadTrace(sceneId, container) {
  container.textContent = "Loading…";
  let data;
  try {
    data = await api("GET", `/api/scenes/${encodeURIComponent(sceneId)}/traces`);
  } catch (err) {
    reportFailure(err, (text) => (container.textContent = `Could not load the trace: ${text}`));
    return;
  }
  const newest = listOf(data, "traces")[0]; // newest first
  if (!newest) {
    container.textContent = "No runs recorded.";
    return;
  }
  const steps = (newest.actions || []).map((step) => el("li", { text: stepText(step) }));
  const notes = (newest.notes || []).map((text) => el("li", { className: "note", text }));
  const outcome = label(String(newest.outcome || "unknown"));
  const error = newest.error ? ` — ${newest.error}` : "";
  container.replaceChildren(
    el("p", { text: `${outcome}, started ${formatTime(newest.started_at)}${error}` }),
    el("ol", { className: "steps" }, [...steps, ...notes]),
  );
}

// -- maintenance ---------------------------------------------------------------------------

export async function loadMaintenance() {
  const list = document.getElementById("prompts");
  const note = document.getElementById("maintenance-note");
  const table = document.getElementById("consumables");
  let data;
  try {
    data = await api("GET", "/api/maintenance");
  } catch (err) {
    shown.maintenance = null;
    if (notServed(err, list, note, "maintenance forecasts")) table.replaceChildren();
    else reportFailure(err, (text) => (note.textContent = `Could not load maintenance: ${text}`));
    return;
  }
  if (unchanged("maintenance", data)) return;
  const prompts = listOf(data, "prompts").filter((p) => p.status !== "resolved");
  list.hidden = false;
  note.textContent = prompts.length ? "" : "Nothing needs replacing soon.";
  list.replaceChildren(...prompts.map(buildPrompt));
  table.replaceChildren(...consumablesTable(listOf(data, "consumables")));
}

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
