// A plain textarea for YAML with numbered lines, and the hub's errors marked: each
// error line's number in the gutter and a band behind the line, a list of the errors
// under it (a click on one selects its line). No syntax colouring, no dependencies.
import { el } from "/static/render.js";

// -> {node, problems, textarea, setText(text), showProblems(errors)}; `errors` are the
// hub's {field, message, line} (a 422's `errors`).
export function yamlEditor({ id, problemsId, describedBy }) {
  const textarea = el("textarea", {
    id,
    className: "editor-text",
    wrap: "off",
    spellcheck: "false",
    autocapitalize: "off",
    autocomplete: "off",
    "aria-describedby": [problemsId, describedBy].filter(Boolean).join(" "),
  });
  const gutter = el("div", { className: "editor-gutter", "aria-hidden": "true" });
  const marks = el("div", { className: "editor-marks", "aria-hidden": "true" });
  const problems = el("ul", { id: problemsId, className: "editor-problems", role: "alert" });
  const editor = {
    node: el("div", { className: "editor" }, [gutter, el("div", { className: "editor-area" }, [marks, textarea])]),
    problems,
    textarea,
    errorLines: [],
    drawn: null, // the error lines the gutter shows
    setText(text) {
      textarea.value = text;
      editor.showProblems([]);
    },
    showProblems(errors) {
      showProblems(editor, gutter, marks, errors);
    },
  };
  textarea.addEventListener("input", () => drawGutter(editor, gutter, marks));
  textarea.addEventListener("scroll", () => followScroll(editor, gutter, marks));
  return editor;
}

// One number per line, errors marked; redrawn only when the lines or the errors change.
function drawGutter(editor, gutter, marks) {
  const lines = editor.textarea.value.split("\n").length;
  if (gutter.childElementCount !== lines || editor.drawn !== editor.errorLines) {
    editor.drawn = editor.errorLines;
    const errors = new Set(editor.errorLines);
    const numbers = [];
    for (let line = 1; line <= lines; line += 1) {
      numbers.push(el("div", { "data-line": line, className: errors.has(line) ? "error" : null, text: line }));
    }
    gutter.replaceChildren(...numbers);
  }
  followScroll(editor, gutter, marks);
}

function followScroll(editor, gutter, marks) {
  gutter.scrollTop = editor.textarea.scrollTop;
  marks.style.transform = `translate(${-editor.textarea.scrollLeft}px, ${-editor.textarea.scrollTop}px)`;
}

// The text before the field's name in a message is where it is ("file:5:5: field: ...").
function bareMessage(error) {
  const at = error.field ? error.message.indexOf(`${error.field}: `) : -1;
  return at >= 0 ? error.message.slice(at + error.field.length + 2) : error.message;
}

function showProblems(editor, gutter, marks, errors) {
  editor.errorLines = errors.map((e) => e.line).filter((line) => typeof line === "number");
  editor.textarea.setAttribute("aria-invalid", errors.length ? "true" : "false");
  marks.replaceChildren(
    ...editor.errorLines.map((line) => {
      const mark = el("div", { className: "editor-mark", "data-line": line });
      mark.style.setProperty("--line", String(line)); // CSSOM: allowed by the page's CSP
      return mark;
    }),
  );
  editor.problems.replaceChildren(
    ...errors.map((error) => {
      const where = typeof error.line === "number" ? `Line ${error.line}` : "The text";
      const field = error.field && error.field !== "yaml" ? `, ${error.field}` : "";
      const item = el("li", { "data-line": error.line }, [
        el("button", { type: "button", className: "link", text: `${where}${field}:` }),
        ` ${bareMessage(error)}`,
      ]);
      item.querySelector("button").addEventListener("click", () => selectLine(editor, gutter, marks, error.line));
      return item;
    }),
  );
  drawGutter(editor, gutter, marks);
}

// Puts the caret on a line and selects it, scrolled into view.
function selectLine(editor, gutter, marks, line) {
  if (typeof line !== "number") return;
  const { textarea } = editor;
  const lines = textarea.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
  const lineHeight = textarea.scrollHeight / Math.max(lines.length, 1);
  textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
  followScroll(editor, gutter, marks);
}
