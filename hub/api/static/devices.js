// Devices grouped by room: live state, availability with its reason, command controls.
import { api, reportFailure } from "/static/api.js";
import { familyControls } from "/static/controls.js";
import { el, formatTime, formatValue, label, nextId, runBusy } from "/static/render.js";
import { href, registerView, shownParams } from "/static/router.js";

// id -> device as GET /api/devices shows it, kept current by events.
const devices = new Map();
// id -> {card, badge, reason, stateList, values: Map(attribute -> dd), controls}
const cards = new Map();
// The card in the #/devices/NAME view, beside its twin on the overview.
let viewCard = null;

export function clearDevices() {
  shownLayout = null;
  devices.clear();
  cards.clear();
  viewCard = null;
  document.getElementById("rooms").replaceChildren();
  document.getElementById("device-view").replaceChildren();
}

// What decides the cards' layout; state and availability are updated in place.
let shownLayout = null;

function layoutOf(snapshot) {
  return JSON.stringify(
    snapshot.devices.map((d) => [d.id, d.name, d.room, d.model, d.family, d.capabilities]),
  );
}

export function showDevices(snapshot) {
  devices.clear();
  for (const device of snapshot.devices) devices.set(device.id, device);
  document.getElementById("devices-note").textContent = snapshot.devices.length
    ? ""
    : "No devices yet. The hub adds them as discovery finds them.";
  // Rebuilding under a pointer can swallow a click (press and release on different
  // elements), so an unchanged layout only gets its values refreshed.
  const layout = layoutOf(snapshot);
  if (layout === shownLayout) {
    for (const device of devices.values()) updateCard(device);
    return;
  }
  shownLayout = layout;
  renderRooms();
  const params = shownParams(deviceView);
  if (params) showDeviceView(params);
}

const deviceView = {
  element: "view-device",
  show: (params) => showDeviceView(params),
  hide: () => {
    viewCard = null;
    document.getElementById("device-view").replaceChildren();
  },
  title: (params) => params.name,
};
registerView("devices/:name", deviceView);

function showDeviceView(params) {
  const device = [...devices.values()].find((d) => d.name === params.name || d.id === params.name);
  document.getElementById("device-title").textContent = device ? device.name : params.name;
  document.getElementById("device-note").textContent = device
    ? ""
    : devices.size
      ? "This hub has no device of that name."
      : "Loading…";
  viewCard = device ? buildCard(device) : null;
  document.getElementById("device-view").replaceChildren(...(viewCard ? [viewCard.card] : []));
}

// False when the device is not on the page (then the caller re-reads the list).
export function applyStateChange(event) {
  const device = devices.get(event.device_id);
  if (!device) return false;
  const entry = device.state[event.attribute];
  // The snapshot already holds a newer value than this (queued) event.
  if (entry && Date.parse(entry.changed_at) > Date.parse(event.at)) return true;
  device.state[event.attribute] = {
    value: event.new,
    unit: entry ? entry.unit : null,
    changed_at: event.at,
  };
  updateCard(device, event.attribute);
  return true;
}

export function applyAvailability(event) {
  const device = devices.get(event.device_id);
  if (!device) return false;
  device.available = event.available;
  device.status = event.status;
  device.reason = event.reason;
  updateCard(device);
  return true;
}

function renderRooms() {
  // Rebuilding must not throw a keyboard user back to the top of the page.
  const active = document.activeElement;
  const focused = active && active.dataset ? active.dataset.focusKey : undefined;
  const byRoom = new Map();
  for (const device of devices.values()) {
    const room = device.room || "";
    if (!byRoom.has(room)) byRoom.set(room, []);
    byRoom.get(room).push(device);
  }
  // Named rooms in order, then the devices without a room.
  const rooms = [...byRoom.keys()].sort((a, b) => (!a ? 1 : !b ? -1 : a.localeCompare(b)));
  cards.clear();
  const sections = rooms.map((room) => {
    const headingId = nextId();
    const members = byRoom.get(room).sort((a, b) => a.name.localeCompare(b.name));
    return el("section", { className: "room", "data-room": room, "aria-labelledby": headingId }, [
      el("h3", { id: headingId, text: room ? label(room) : "No room" }),
      el("div", { className: "cards" }, members.map((device) => {
        const parts = buildCard(device);
        cards.set(device.id, parts);
        return parts.card;
      })),
    ]);
  });
  document.getElementById("rooms").replaceChildren(...sections);
  if (focused) {
    const again = document.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

function buildCard(device) {
  const titleId = nextId();
  const badge = el("span", { className: "badge" });
  const reason = el("p", { className: "reason" });
  const stateList = el("dl", { className: "state" });
  const result = el("p", { className: "result", role: "status", "aria-live": "polite" });
  const controls = familyControls(device, (command, params, control) =>
    sendCommand(device, command, params, control, result),
  );
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
      stateList,
      ...controls.nodes,
      ...commandControls(device, result),
      result,
    ],
  );
  const parts = { id: device.id, card, badge, reason, stateList, values: new Map(), controls };
  updateParts(parts, device);
  return parts;
}

function updateCard(device, changed) {
  const parts = cards.get(device.id);
  if (parts) updateParts(parts, device, changed);
  if (viewCard && viewCard.id === device.id) updateParts(viewCard, device, changed);
}

function updateParts(parts, device, changed) {
  parts.badge.textContent = label(device.status || (device.available ? "ok" : "unavailable"));
  parts.badge.className = `badge badge-${device.available ? "ok" : "problem"}`;
  parts.reason.textContent = device.reason || "";
  parts.card.classList.toggle("unavailable", !device.available);
  parts.controls.update(device);
  for (const attribute of Object.keys(device.state).sort()) {
    const entry = device.state[attribute];
    let dd = parts.values.get(attribute);
    if (!dd) {
      dd = el("dd", { "data-attribute": attribute });
      parts.values.set(attribute, dd);
      parts.stateList.append(el("dt", { text: label(attribute) }), dd);
    }
    dd.textContent = formatValue(entry.value, entry.unit);
    dd.title = entry.changed_at ? `changed ${formatTime(entry.changed_at)}` : "";
    if (attribute === changed) {
      dd.classList.remove("changed");
      void dd.offsetWidth; // restarts the highlight animation
      dd.classList.add("changed");
    }
  }
}

// Commands without required parameters are buttons; the others are small forms.
function commandControls(device, result) {
  const commands = device.capabilities ? device.capabilities.commands : [];
  if (!commands.length) {
    return [el("p", { className: "note", text: "No commands known for this model." })];
  }
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
