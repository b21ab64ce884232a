// A scene's own view at #/scenes/ID (and #/new-scene): its YAML in an editor, checked
// and saved by the hub (the same schema as the files), a Run button and its last runs.
// A text the hub refuses is not saved: each error shows its line and field, marked in
// the editor's gutter and behind the line.
import { ApiError, api, reportFailure } from "/static/api.js";
import { el, listOf } from "/static/render.js";
import { href, registerView, shownParams } from "/static/router.js";
import { loadTraces, runButton, sceneStatus } from "/static/scenes.js";
import { yamlEditor } from "/static/yaml_editor.js";

const TRACES_SHOWN = 10;
const UNSAVED = "Changed, not saved yet.";
const RESTORED = "Your unsaved changes are back.";
// Unsaved text is kept in this tab (sessionStorage) until it is saved or discarded, so
// leaving the view, the back button or a reload loses nothing.
const DRAFT_PREFIX = "mihub.scene-draft.";

function draftKey(id) {
  return DRAFT_PREFIX + (id === null ? "+new" : id);
}

function keepDraft(current) {
  try {
    if (edited(current)) sessionStorage.setItem(draftKey(current.id), current.textarea.value);
    else sessionStorage.removeItem(draftKey(current.id));
  } catch {
    // Storage full or refused: the draft lives only as long as the view.
  }
}

function dropDraft(id) {
  sessionStorage.removeItem(draftKey(id));
}

// The text as the file has it (a new scene: the template).
function baseline(current) {
  return current.saved === null ? NEW_SCENE : current.saved;
}

function edited(current) {
  return current.textarea.value !== baseline(current);
}

// Put a kept draft back, once, when the editor opens.
function restoreDraft(current) {
  const draft = sessionStorage.getItem(draftKey(current.id));
  if (draft === null || draft === baseline(current)) return;
  setText(current, draft);
  current.result.className = "result";
  current.result.textContent = RESTORED;
  showEdited(current);
}

function showEdited(current) {
  current.discard.hidden = !edited(current);
}
// What each way of sending the text says: while it runs, and when the hub refuses it.
const SUBMIT = {
  check: { busy: "Checking…", refused: "Not valid" },
  save: { busy: "Saving…", refused: "Not saved" },
  stored: { busy: "Checking the stored file…", refused: "As stored, it cannot run" },
};
const NEW_SCENE = `id: my_scene
name: My scene
mode: single
triggers:
  - type: manual
actions:
  - notify: My scene ran
`;

// The editor on screen: {id (null for a new scene), textarea, saved text, ...}.
let editor = null;
// A new scene just created: its own view says so when it opens.
let created = null;

const sceneView = {
  element: "view-scene",
  show: (params) => openEditor(params.id),
  hide: () => closeEditor(),
  title: (params) => `Scene ${params.id}`,
};
registerView("scenes/:id", sceneView);
const newSceneView = {
  element: "view-scene",
  show: () => openEditor(null),
  hide: () => closeEditor(),
  title: () => "New scene",
};
registerView("new-scene", newSceneView);

function closeEditor() {
  editor = null;
  document.getElementById("scene-view").replaceChildren();
}

// A scene ran or changed: its view, if open, shows it again (keeping unsaved edits).
export function refreshSceneView() {
  const params = shownParams(sceneView);
  if (params && editor && editor.id === params.id) refreshScene(editor);
}

async function openEditor(id) {
  const title = document.getElementById("scene-title");
  const note = document.getElementById("scene-note");
  title.textContent = id === null ? "New scene" : id;
  note.textContent = "";
  const current = buildEditor(id);
  editor = current;
  document.getElementById("scene-view").replaceChildren(current.root);
  if (id === null) {
    current.saved = null;
    setText(current, NEW_SCENE);
    restoreDraft(current);
    return;
  }
  if (created === id) {
    created = null;
    current.result.textContent = "Created.";
  }
  await refreshScene(current);
}

async function refreshScene(current) {
  let scene;
  try {
    scene = await api("GET", `/api/scenes/${encodeURIComponent(current.id)}`);
  } catch (err) {
    if (editor !== current) return;
    const note = document.getElementById("scene-note");
    if (err instanceof ApiError && err.status === 404) {
      note.textContent = "This hub has no scene with that id.";
      current.root.hidden = true;
    } else {
      reportFailure(err, (text) => (note.textContent = `Could not load this scene: ${text}`));
    }
    return;
  }
  if (editor !== current) return;
  document.getElementById("scene-title").textContent = scene.name || scene.id;
  document.getElementById("scene-note").textContent = [scene.mode, sceneStatus(scene)]
    .filter(Boolean)
    .join(" · ");
  current.run.replaceChildren(runButton(scene, current.runResult), ...(scene.builtin ? [] : [deleteButton(current)]));
  // Unsaved edits stay; an unedited editor follows the file.
  if (current.textarea.value === current.saved) {
    const fresh = current.textarea.value !== scene.yaml;
    setText(current, scene.yaml);
    current.saved = scene.yaml;
    showEdited(current);
    if (!current.loaded) restoreDraft(current);
    // A stored file that does not validate: the hub's check marks its lines.
    if (fresh && !edited(current) && scene.valid === false) submit(current, current.check, "stored");
  }
  current.loaded = true;
  await loadTraces(scene.id, current.traces, TRACES_SHOWN);
}

function buildEditor(id) {
  const editor = yamlEditor({ id: "scene-yaml", problemsId: "scene-problems", describedBy: "scene-yaml-hint" });
  const { textarea } = editor;
  const result = el("p", { id: "scene-save-result", className: "result", role: "status", "aria-live": "polite" });
  const check = el("button", { type: "button", id: "scene-check", text: "Check" });
  const discard = el("button", { type: "button", id: "scene-discard", text: "Discard changes", hidden: true });
  const save = el("button", { type: "submit", id: "scene-save", text: id === null ? "Create" : "Save" });
  const form = el("form", { className: "scene-editor", novalidate: true }, [
    el("label", { for: "scene-yaml", text: "The scene as YAML" }),
    el("p", {
      id: "scene-yaml-hint",
      className: "hint",
      text: "The same as a file in the scenes directory. The hub checks it before it saves it; nothing is saved while it has errors.",
    }),
    editor.node,
    editor.problems,
    el("div", { className: "commands" }, [check, save, discard]),
    result,
  ]);
  const current = {
    id,
    check,
    discard,
    loaded: false,
    editor,
    textarea,
    result,
    saved: "",
    run: el("div", { className: "commands" }),
    runResult: el("p", { className: "result", role: "status", "aria-live": "polite" }),
    traces: el("div", { className: "scene-traces" }),
  };
  const runs = id === null ? [] : [el("h3", { text: "Last runs" }), current.traces];
  current.root = el("div", { className: "scene-page" }, [current.run, current.runResult, form, ...runs]);
  textarea.addEventListener("input", () => {
    keepDraft(current);
    showEdited(current);
    const changed = edited(current);
    if (changed && (!result.textContent || result.textContent === RESTORED)) result.textContent = UNSAVED;
    else if (!changed && result.textContent === UNSAVED) result.textContent = "";
  });
  discard.addEventListener("click", () => {
    dropDraft(current.id);
    setText(current, baseline(current));
    current.result.className = "result";
    current.result.textContent = "";
    showEdited(current);
    textarea.focus();
  });
  // Ctrl+S (Cmd+S) saves, as in an editor, instead of saving the page.
  textarea.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      submit(current, save, "save");
    }
  });
  check.addEventListener("click", () => submit(current, check, "check"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(current, save, "save");
  });
  return current;
}

function setText(current, text) {
  current.editor.setText(text);
}

function showProblems(current, errors) {
  current.editor.showProblems(errors);
}

function idLine(text) {
  const lines = text.split("\n");
  const index = lines.findIndex((line) => /^id\s*:/.test(line));
  const found = index >= 0 ? /^id\s*:\s*["']?([^"'\s#]*)/.exec(lines[index]) : null;
  return { id: found ? found[1] : "", line: index >= 0 ? index + 1 : 1 };
}

function showErrors(current, errors, what) {
  showProblems(current, errors);
  const count = errors.length;
  current.result.className = "result problem";
  current.result.textContent = `${what}: the hub found ${count === 1 ? "an error" : `${count} errors`}.`;
}

// The hub's 422 as errors with lines; anything else as one sentence.
function refusal(current, err, what) {
  if (err instanceof ApiError && err.problem && Array.isArray(err.problem.errors) && err.problem.errors.length) {
    showErrors(current, err.problem.errors, what);
    return;
  }
  reportFailure(err, (text) => {
    showProblems(current, []);
    current.result.className = "result problem";
    current.result.textContent = `${what}: ${text}`;
  });
}

// mode: "save" (PUT), "check" (POST .../check) or "stored" (check the file as loaded).
async function submit(current, control, mode) {
  if (control.getAttribute("aria-disabled") === "true") return;
  control.setAttribute("aria-disabled", "true");
  const store = mode === "save";
  const text = current.textarea.value;
  current.result.className = "result";
  current.result.textContent = SUBMIT[mode].busy;
  try {
    let id = current.id;
    if (id === null) {
      const named = idLine(text);
      id = named.id;
      const taken = id ? await exists(id) : false;
      if (!id || taken) {
        const message = id
          ? `a scene ${id} exists already: choose another id, or open it to edit it`
          : "a scene needs an id (lower-case letters, digits and underscores)";
        showProblems(current, [{ line: named.line, field: "id", message }]);
        current.result.className = "result problem";
        current.result.textContent = store ? "Not saved." : "Not valid.";
        return;
      }
    }
    const path = `/api/scenes/${encodeURIComponent(id)}${store ? "" : "/check"}`;
    let reply;
    try {
      reply = await api(store ? "PUT" : "POST", path, { yaml: text });
    } catch (err) {
      if (editor === current) refusal(current, err, SUBMIT[mode].refused);
      return;
    }
    if (editor !== current) return;
    // A check answers 200 either way: `valid` says whether PUT would take the text.
    if (reply.valid === false && !store && Array.isArray(reply.errors) && reply.errors.length) {
      showErrors(current, reply.errors, SUBMIT[mode].refused);
      return;
    }
    showProblems(current, []);
    const waiting = reply.waiting_for && reply.waiting_for.length ? ` It waits for: ${reply.waiting_for.join(", ")}.` : "";
    const status = store && reply.valid === false ? ` It cannot run yet: ${reply.error || "see its status"}.` : "";
    current.result.className = "result";
    if (mode === "stored") current.result.textContent = waiting.trim();
    else current.result.textContent = store ? `Saved.${status}` : `No errors.${waiting}`;
    if (store) {
      dropDraft(current.id);
      current.saved = text;
      showEdited(current);
      if (current.id === null) {
        created = id;
        location.replace(href("scenes", id));
      } else {
        refreshScene(current);
      }
    }
  } finally {
    control.removeAttribute("aria-disabled");
  }
}

// Read from the list: asking for the scene itself would log a 404 for every new id.
async function exists(id) {
  const data = await api("GET", "/api/scenes");
  return listOf(data, "scenes").some((scene) => scene.id === id);
}

// Delete asks once more on the button itself (no dialog), for a few seconds.
const CONFIRM_MS = 5000;

function deleteButton(current) {
  const button = el("button", { type: "button", id: "scene-delete", className: "danger", text: "Delete" });
  let armed = null;
  button.addEventListener("click", async () => {
    if (button.getAttribute("aria-disabled") === "true") return;
    if (armed === null) {
      button.textContent = "Delete for good?";
      armed = setTimeout(() => {
        armed = null;
        button.textContent = "Delete";
      }, CONFIRM_MS);
      return;
    }
    clearTimeout(armed);
    armed = null;
    button.setAttribute("aria-disabled", "true");
    try {
      await api("DELETE", `/api/scenes/${encodeURIComponent(current.id)}`);
      dropDraft(current.id);
      current.saved = current.textarea.value; // nothing left to keep
      location.replace(href());
    } catch (err) {
      button.textContent = "Delete";
      reportFailure(err, (text) => {
        current.runResult.className = "result problem";
        current.runResult.textContent = `Could not delete it: ${text}`;
      });
    } finally {
      button.removeAttribute("aria-disabled");
    }
  });
  return button;
}
