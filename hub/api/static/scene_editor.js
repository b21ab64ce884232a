// One scene's own view at #/scenes/ID: what it is, a Run button and its last runs.
import { api, reportFailure } from "/static/api.js";
import { el } from "/static/render.js";
import { registerView, shownParams } from "/static/router.js";
import { loadTraces, runButton, sceneStatus } from "/static/scenes.js";

const TRACES_SHOWN = 10;

const sceneView = {
  element: "view-scene",
  show: (params) => showScene(params.id),
  hide: () => document.getElementById("scene-view").replaceChildren(),
  title: (params) => `Scene ${params.id}`,
};
registerView("scenes/:id", sceneView);

// A scene ran or changed: its view, if open, reads it again.
export function refreshSceneView() {
  const params = shownParams(sceneView);
  if (params) showScene(params.id);
}

async function showScene(id) {
  const title = document.getElementById("scene-title");
  const note = document.getElementById("scene-note");
  const view = document.getElementById("scene-view");
  title.textContent = id;
  let scene;
  try {
    scene = await api("GET", `/api/scenes/${encodeURIComponent(id)}`);
  } catch (err) {
    view.replaceChildren();
    reportFailure(err, (text) => (note.textContent = `Could not load this scene: ${text}`));
    return;
  }
  title.textContent = scene.name || scene.id;
  note.textContent = [scene.mode, sceneStatus(scene)].filter(Boolean).join(" · ");
  const result = el("p", { className: "result", role: "status", "aria-live": "polite" });
  const traces = el("div", { className: "scene-traces" });
  view.replaceChildren(
    el("div", { className: "commands" }, [runButton(scene, result)]),
    result,
    el("h3", { text: "Last runs" }),
    traces,
  );
  await loadTraces(scene.id, traces, TRACES_SHOWN);
}
