// Scenes on the overview (run, last trace) and each scene's own view at #/scenes/ID.
// A hub that does not serve these endpoints (404) gets a note instead of a section.
import { api, reportFailure } from "/static/api.js";
import { changeMemo, el, formatTime, label, listOf, notServed, problemText, runBusy } from "/static/render.js";
import { href } from "/static/router.js";

// Scene ids whose last trace is open, kept open when the list is redrawn.
const openTraces = new Set();
const shown = changeMemo();

export function clearScenes() {
  openTraces.clear();
  shown.forget();
  document.getElementById("scenes").replaceChildren();
}

export async function loadScenes() {
  const list = document.getElementById("scenes");
  const note = document.getElementById("scenes-note");
  let data;
  try {
    data = await api("GET", "/api/scenes");
  } catch (err) {
    shown.forget();
    if (!notServed(err, list, note, "scenes")) {
      reportFailure(err, (text) => (note.textContent = `Could not load the scenes: ${text}`));
    }
    return;
  }
  if (!shown.changed(data)) return;
  const scenes = listOf(data, "scenes");
  list.hidden = false;
  note.textContent = scenes.length ? "" : "No scenes yet.";
  list.replaceChildren(...scenes.map(buildScene));
}

export function sceneStatus(scene) {
  if (scene.valid === false) return `invalid: ${scene.error || "see its file"}`;
  if (scene.enabled === false) return "disabled";
  return scene.running ? "running" : "";
}

export function runButton(scene, result) {
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
  return run;
}

function buildScene(scene) {
  const result = el("p", { className: "result", role: "status", "aria-live": "polite" });
  const name = scene.name || scene.id;
  const last = scene.last_run;
  const trace = el("div", { className: "trace" });
  const summary = last
    ? `Last run: ${label(String(last.outcome || "unknown"))}, ${formatTime(last.started_at)}`
    : "Last run: never";
  const details = el("details", { className: "last-run" }, [el("summary", { text: summary }), trace]);
  details.addEventListener("toggle", () => {
    if (details.open) {
      openTraces.add(scene.id);
      loadTraces(scene.id, trace, 1);
    } else {
      openTraces.delete(scene.id);
    }
  });
  if (openTraces.has(scene.id)) details.open = true;
  const meta = [scene.mode, sceneStatus(scene)].filter(Boolean).join(" · ");
  return el("li", { className: "scene", "data-scene-id": scene.id }, [
    el("div", { className: "scene-head" }, [
      el("strong", {}, [el("a", { href: href("scenes", scene.id), text: name })]),
      el("span", { className: "meta", text: meta }),
      runButton(scene, result),
    ]),
    details,
    result,
  ]);
}

function stepText(step) {
  let outcome = "done";
  if (step.error) outcome = `error: ${step.error}`;
  else if (step.result !== null && step.result !== undefined) outcome = JSON.stringify(step.result);
  const target = step.target ? ` ${step.target}` : "";
  return `${step.path || ""} ${step.kind || ""}${target}: ${outcome}`;
}

function traceNodes(trace) {
  const steps = (trace.actions || []).map((step) => el("li", { text: stepText(step) }));
  const notes = (trace.notes || []).map((text) => el("li", { className: "note", text }));
  const outcome = label(String(trace.outcome || "unknown"));
  const error = trace.error ? ` — ${trace.error}` : "";
  const trigger = trace.trigger && trace.trigger.type ? `, by its ${label(String(trace.trigger.type))} trigger` : "";
  return [
    el("p", { text: `${outcome}, started ${formatTime(trace.started_at)}${trigger}${error}` }),
    el("ol", { className: "steps" }, [...steps, ...notes]),
  ];
}

// The newest `count` runs of a scene (newest first), each with its steps.
export async function loadTraces(sceneId, container, count) {
  container.textContent = "Loading…";
  let data;
  try {
    data = await api("GET", `/api/scenes/${encodeURIComponent(sceneId)}/traces`);
  } catch (err) {
    reportFailure(err, (text) => (container.textContent = `Could not load the trace: ${text}`));
    return;
  }
  const traces = listOf(data, "traces").slice(0, count);
  if (!traces.length) {
    container.textContent = "No runs recorded.";
    return;
  }
  if (count === 1) {
    container.replaceChildren(...traceNodes(traces[0]));
    return;
  }
  container.replaceChildren(
    el(
      "ol",
      { className: "traces" },
      traces.map((trace) => el("li", { className: "trace", "data-run-id": trace.run_id }, traceNodes(trace))),
    ),
  );
}
