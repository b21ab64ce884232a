// One device's card: its name and availability, the family's main state large, its main
// controls up front, and everything else (every attribute, the other commands, its
// room) under a folded "Details". The same card serves the overview and #/devices/NAME.
import { api, reportFailure } from "/static/api.js";
import { familyControls } from "/static/controls.js";
import { headline } from "/static/headline.js";
import { el, formatTime, formatValue, label, markChanged, nextId, runBusy, setText } from "/static/render.js";
import { href } from "/static/router.js";

// Details folded open stay open when the overview redraws (device id -> open).
const openDetails = new Set();

// -> parts for updateCard. `rooms` are the rooms known to the hub (for the room field);
// `moved(reply)` takes the device as PATCH /api/devices/{id} answered.
export function buildCard(device, { rooms, moved }) {
  const titleId = nextId();
  const badge = el("span", { className: "badge" });
  const reason = el("p", { className: "reason" });
  const stateList = el("dl", { className: "state" });
  const result = el("p", { className: "result", role: "status", "aria-live": "polite" });
  const send = (command, params, control) => sendCommand(device, command, params, control, result);
  const controls = familyControls(device, send);
  const main = headline(device);
  const details = el("details", { className: "details", "data-focus-key": `${device.id}/details` }, [
    el("summary", { text: "Details" }),
    stateList,
    ...commandControls(device, controls.covered, result),
    device.room ? roomForm(device, rooms, moved, result) : null,
  ]);
  if (openDetails.has(device.id)) details.open = true;
  details.addEventListener("toggle", () => {
    if (details.open) openDetails.add(device.id);
    else openDetails.delete(device.id);
  });
  const card = el(
    "article",
    {
      className: "device",
      "data-device-id": device.id,
      "data-device-name": device.name,
      "aria-labelledby": titleId,
    },
    [
      el("header", {}, [
        el("h4", { id: titleId }, [el("a", { href: href("devices", device.name), text: device.name })]),
        badge,
      ]),
      el("p", { className: "meta", text: `${device.model} · ${label(device.family)}` }),
      reason,
      main.node,
      ...controls.nodes,
      // A device without a room gets one from here, up front: it is what it lacks.
      device.room ? null : roomForm(device, rooms, moved, result),
      details,
      result,
    ],
  );
  const parts = { id: device.id, card, badge, reason, stateList, values: new Map(), controls, main };
  updateCard(parts, device);
  return parts;
}

export function updateCard(parts, device, changed) {
  parts.badge.textContent = label(device.status || (device.available ? "ok" : "unavailable"));
  parts.badge.className = `badge badge-${device.available ? "ok" : "problem"}`;
  parts.reason.textContent = device.reason || "";
  parts.card.classList.toggle("unavailable", !device.available);
  parts.controls.update(device);
  parts.main.update(device);
  for (const attribute of Object.keys(device.state).sort()) {
    const entry = device.state[attribute];
    let dd = parts.values.get(attribute);
    if (!dd) {
      dd = el("dd", { "data-attribute": attribute });
      parts.values.set(attribute, dd);
      parts.stateList.append(el("dt", { text: label(attribute) }), dd);
    }
    setText(dd, formatValue(entry.value, entry.unit));
    const title = entry.changed_at ? `changed ${formatTime(entry.changed_at)}` : "";
    if (dd.title !== title) dd.title = title;
    if (attribute === changed) markChanged(dd);
  }
}

// The room field: a known room from the list or a new one; PATCH /api/devices/{id}.
function roomForm(device, rooms, moved, result) {
  const id = nextId();
  const listId = nextId();
  const input = el("input", {
    id,
    name: "room",
    type: "text",
    list: listId,
    maxlength: 64,
    autocomplete: "off",
    value: device.room || "",
    placeholder: "bedroom",
    "data-focus-key": `${device.id}/room`,
  });
  const submit = el("button", { type: "submit", "data-command": "room", text: device.room ? "Move" : "Set room" });
  const form = el("form", { className: "room-form", "data-room-form": device.name }, [
    el("label", { for: id, text: device.room ? "Room" : "No room yet: room" }),
    input,
    el("datalist", { id: listId }, rooms.map((room) => el("option", { value: room }))),
    submit,
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const room = input.value.trim();
    if (!room && !device.room) {
      input.focus(); // nothing to clear: the field wants a name
      return;
    }
    runBusy(submit, async () => {
      const path = `/api/devices/${encodeURIComponent(device.id)}`;
      try {
        const reply = await api("PATCH", path, { room: room || null });
        result.className = "result";
        result.textContent = room ? `Moved to ${label(room)}.` : "Room cleared.";
        moved(reply);
      } catch (err) {
        reportFailure(err, (text) => {
          result.className = "result problem";
          result.textContent = `Could not set the room: ${text}`;
        });
      }
    });
  });
  return form;
}

// The commands the main controls do not send: those without required parameters are
// buttons, the others small forms.
function commandControls(device, covered, result) {
  const all = device.capabilities ? device.capabilities.commands : [];
  if (!all.length) {
    return [el("p", { className: "note", text: "No commands known for this model." })];
  }
  const commands = all.filter((c) => !covered.has(c.name));
  const simple = commands.filter((c) => c.params.every((p) => !p.required));
  const detailed = commands.filter((c) => c.params.some((p) => p.required));
  const controls = [];
  if (simple.length) {
    const buttons = simple.map((command) => {
      const button = el("button", {
        type: "button",
        "data-command": command.name,
        "data-focus-key": `${device.id}/${command.name}`,
        title: command.description,
        text: label(command.name),
      });
      button.addEventListener("click", () => sendCommand(device, command.name, {}, button, result));
      return button;
    });
    const group = { className: "commands", role: "group", "aria-label": `Commands for ${device.name}` };
    controls.push(el("div", group, buttons));
  }
  if (detailed.length) {
    controls.push(
      el("details", { className: "more" }, [
        el("summary", { text: "More commands" }),
        ...detailed.map((command) => commandForm(device, command, result)),
      ]),
    );
  }
  return controls;
}

function paramInput(param, id) {
  if (param.choices && param.choices.length) {
    const blank = param.required ? [] : [el("option", { value: "", text: "—" })];
    const options = param.choices.map((choice) => el("option", { value: choice, text: label(choice) }));
    return el("select", { id, name: param.name }, [...blank, ...options]);
  }
  if (param.values && param.values.length) {
    // A list of the only numbers the model takes (30, 40 ... 80 %), not a range.
    const blank = param.required ? [] : [el("option", { value: "", text: "—" })];
    const unit = param.unit ? ` ${param.unit}` : "";
    const options = param.values.map((number) => el("option", { value: String(number), text: `${number}${unit}` }));
    return el("select", { id, name: param.name }, [...blank, ...options]);
  }
  if (param.type === "bool") return el("input", { id, name: param.name, type: "checkbox" });
  if (param.type === "int" || param.type === "float") {
    const step = param.step ?? (param.type === "int" ? 1 : "any");
    return el("input", { id, name: param.name, type: "number", min: param.min, max: param.max, step });
  }
  return el("input", { id, name: param.name, type: "text", maxlength: param.max_length });
}

function commandForm(device, command, result) {
  const inputs = [];
  const fields = command.params.map((param) => {
    const id = nextId();
    const input = paramInput(param, id);
    inputs.push([param, input]);
    const unit = param.unit ? ` (${param.unit})` : "";
    const optional = param.required ? "" : " (optional)";
    return el("div", { className: "field" }, [
      el("label", { for: id, text: label(param.name) + unit + optional }),
      input,
    ]);
  });
  const submit = el("button", {
    type: "submit",
    "data-command": command.name,
    "data-focus-key": `${device.id}/${command.name}`,
    text: label(command.name),
  });
  const form = el("form", { className: "command-form", title: command.description }, [
    ...fields,
    submit,
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = {};
    for (const [param, input] of inputs) {
      if (param.type === "bool") params[param.name] = input.checked;
      else if (input.value === "") continue; // the hub names a missing required one
      else if (param.type === "int") params[param.name] = Number.parseInt(input.value, 10);
      else if (param.type === "float") params[param.name] = Number.parseFloat(input.value);
      else params[param.name] = input.value;
    }
    sendCommand(device, command.name, params, submit, result);
  });
  return form;
}

// The outcome is said beside the controls; the new state arrives over the WebSocket.
function sendCommand(device, command, params, control, result) {
  return runBusy(control, async () => {
    result.className = "result";
    result.textContent = `${label(command)}…`;
    const path = `/api/devices/${encodeURIComponent(device.id)}/commands`;
    try {
      await api("POST", path, { command, params });
      result.textContent = `${label(command)}: done`;
    } catch (err) {
      reportFailure(err, (text) => {
        result.className = "result problem";
        result.textContent = `${label(command)} failed: ${text}`;
      });
    }
  });
}
