// Family controls on a device card, chosen from the device's capabilities (never from
// its model or family name): a power switch, brightness, position, volume and target
// humidity sliders, a setpoint, a mode select, a lock button and the main actions
// (start, pause, dock; open, close). Each sends a normalised command; the state shown on
// them follows the device's attributes as events arrive. `covered` names the commands
// they send, so the card lists only the others under its details.
import { el, label, nextId } from "/static/render.js";

// Attributes saying whether the device is on, in the order they are looked for.
const POWER_ATTRIBUTES = ["state", "power", "on", "is_on"];
// Attributes holding the setpoint `set_target_temperature` writes.
const SETPOINT_ATTRIBUTES = [
  "target_temperature",
  "current_heating_setpoint",
  "occupied_heating_setpoint",
  "occupied_cooling_setpoint",
];
const ON_VALUES = new Set([true, "on", "ON", "On", 1]);
// Sliders: [command, attribute it shows, title], in the order they appear.
const SLIDERS = [
  ["set_brightness", "brightness", "Brightness"],
  ["set_position", "position", "Position"],
  ["set_volume", "volume", "Volume"],
  ["set_target_humidity", "target_humidity", "Target humidity"],
];
// Commands without parameters that are a family's main actions, with their button text.
const MAIN_ACTIONS = [
  ["start", "Start"],
  ["pause", "Pause"],
  ["return_to_dock", "Dock"],
  ["open", "Open"],
  ["close", "Close"],
  ["play_music", "Play"],
];
// Attributes a mode select may show, when their choices are the command's.
const MODE_ATTRIBUTES = ["mode", "system_mode", "fan_speed", "preset"];

// -> {nodes, covered: Set of command names, update(device)}; `send(command, params,
// control)` runs a command.
export function familyControls(device, send) {
  const caps = device.capabilities;
  if (!caps) return { nodes: [], covered: new Set(), update() {} };
  const commands = new Map(caps.commands.map((c) => [c.name, c]));
  const attributes = new Map(caps.attributes.map((a) => [a.name, a]));
  const parts = [
    powerSwitch(device, commands, send),
    ...SLIDERS.map(([command, key, title]) =>
      levelSlider(device, commands, attributes, send, command, key, title),
    ),
    setpoint(device, commands, send),
    modeSelect(device, commands, attributes, send),
    lockButton(device, commands, send),
  ].filter(Boolean);
  const actions = mainActions(device, commands, send);
  const covered = new Set([...parts, ...(actions ? [actions] : [])].flatMap((p) => p.commands));
  const nodes = [];
  if (parts.length) {
    const group = { className: "family-controls", role: "group", "aria-label": `Controls for ${device.name}` };
    nodes.push(el("div", group, parts.map((p) => p.node)));
  }
  if (actions) nodes.push(actions.node);
  return {
    nodes,
    covered,
    update(current) {
      for (const part of parts) part.update(current.state || {});
    },
  };
}

// Start / pause / dock (a vacuum), open / close / stop (a curtain): buttons up front.
function mainActions(device, commands, send) {
  const found = MAIN_ACTIONS.filter(([name]) => {
    const command = commands.get(name);
    return command && command.params.every((p) => !p.required);
  });
  if (!found.length) return null;
  // A curtain's stop belongs beside open and close; a vacuum's stop stays in the details.
  if (commands.has("open") && commands.has("stop")) found.push(["stop", "Stop"]);
  const buttons = found.map(([name, text]) => {
    const button = el("button", {
      type: "button",
      "data-command": name,
      "data-focus-key": `${device.id}/${name}`,
      title: commands.get(name).description,
      text,
    });
    button.addEventListener("click", () => send(name, {}, button));
    return button;
  });
  const group = { className: "commands main-actions", role: "group", "aria-label": `Actions for ${device.name}` };
  return { node: el("div", group, buttons), commands: found.map(([name]) => name) };
}

// set_mode with one enum parameter: a select showing the attribute with the same choices.
function modeSelect(device, commands, attributes, send) {
  const command = commands.get("set_mode");
  if (!command) return null;
  const param = command.params.find((p) => p.choices && p.choices.length);
  if (!param || command.params.some((p) => p.required && p !== param)) return null;
  const choices = new Set(param.choices);
  const shows = MODE_ATTRIBUTES.find((name) => {
    const attribute = attributes.get(name);
    return attribute && attribute.choices && attribute.choices.every((c) => choices.has(c));
  });
  const id = nextId();
  const select = el(
    "select",
    { id, "data-control": "mode", "data-focus-key": `${device.id}/control/mode` },
    [el("option", { value: "", text: "—" }), ...param.choices.map((c) => el("option", { value: c, text: label(c) }))],
  );
  select.addEventListener("change", () => {
    if (select.value !== "") send("set_mode", { [param.name]: select.value }, select);
  });
  const node = el("div", { className: "control" }, [el("label", { for: id, text: "Mode" }), select]);
  return {
    node,
    commands: ["set_mode"],
    update(state) {
      if (!shows || document.activeElement === select) return;
      const raw = value(state, shows);
      if (raw !== undefined && raw !== null && choices.has(String(raw))) select.value = String(raw);
    },
  };
}

function value(state, name) {
  const entry = state[name];
  return entry ? entry.value : undefined;
}

function firstPresent(state, names) {
  for (const name of names) {
    if (value(state, name) !== undefined && value(state, name) !== null) return name;
  }
  return null;
}

function powerSwitch(device, commands, send) {
  const canSet = commands.has("turn_on") && commands.has("turn_off");
  if (!canSet && !commands.has("toggle")) return null;
  const id = nextId();
  const input = el("input", {
    id,
    type: "checkbox",
    role: "switch",
    "data-control": "power",
    "data-focus-key": `${device.id}/control/power`,
  });
  input.addEventListener("change", () => {
    const command = canSet ? (input.checked ? "turn_on" : "turn_off") : "toggle";
    send(command, {}, input);
  });
  const node = el("div", { className: "control" }, [input, el("label", { for: id, text: "On" })]);
  return {
    node,
    commands: ["turn_on", "turn_off", "toggle"],
    update(state) {
      const name = firstPresent(state, POWER_ATTRIBUTES);
      if (name !== null) input.checked = ON_VALUES.has(value(state, name));
    },
  };
}

// A 0-100 % (or the parameter's own range) slider; the attribute may use another range
// (a Zigbee light's brightness is 0-254), shown scaled onto the parameter's.
function levelSlider(device, commands, attributes, send, commandName, key, title) {
  const command = commands.get(commandName);
  if (!command) return null;
  const param = command.params.find((p) => p.required && (p.type === "int" || p.type === "float"));
  if (!param) return null;
  const low = param.min ?? 0;
  const high = param.max ?? 100;
  const id = nextId();
  const unit = param.unit ? ` ${param.unit}` : "";
  const output = el("output", { for: id });
  const input = el("input", {
    id,
    type: "range",
    min: low,
    max: high,
    step: stepOf(param),
    "data-control": key,
    "data-focus-key": `${device.id}/control/${key}`,
  });
  let held = false; // a pointer on the slider: state updates do not move it under the hand
  input.addEventListener("pointerdown", () => {
    held = true;
  });
  input.addEventListener("input", () => {
    output.textContent = `${input.value}${unit}`;
  });
  input.addEventListener("change", () => {
    held = false;
    const number = param.type === "int" ? Number.parseInt(input.value, 10) : Number(input.value);
    send(commandName, { [param.name]: number }, input);
  });
  const node = el("div", { className: "control" }, [
    el("label", { for: id, text: title }),
    input,
    output,
  ]);
  const attribute = attributes.get(key);
  return {
    node,
    commands: [commandName],
    update(state) {
      const raw = value(state, key);
      if (typeof raw !== "number" || held) return;
      let shown = raw;
      const from = attribute && typeof attribute.max === "number" ? attribute : null;
      if (from && (from.max !== high || (from.min ?? 0) !== low) && from.max > (from.min ?? 0)) {
        const fraction = (raw - (from.min ?? 0)) / (from.max - (from.min ?? 0));
        shown = low + fraction * (high - low);
      }
      shown = Math.round(Math.min(high, Math.max(low, shown)));
      input.value = String(shown);
      output.textContent = `${shown}${unit}`;
    },
  };
}

// The step of a slider or number input: a model's list of values evenly spaced
// (30, 40 ... 80) is its range in that step; the hub refuses a value off an uneven list.
function stepOf(param) {
  const values = param.values;
  if (values && values.length > 1) {
    const gap = values[1] - values[0];
    if (values.every((v, i) => i === 0 || Math.abs(v - values[i - 1] - gap) < 1e-9)) return gap;
  }
  return param.step ?? (param.type === "int" ? 1 : "any");
}

function setpoint(device, commands, send) {
  const command = commands.get("set_target_temperature");
  if (!command) return null;
  const param = command.params.find((p) => p.required) || command.params[0];
  if (!param) return null;
  const id = nextId();
  const unit = param.unit ? ` (${param.unit})` : "";
  const input = el("input", {
    id,
    type: "number",
    min: param.min,
    max: param.max,
    step: stepOf(param),
    "data-control": "setpoint",
  });
  const button = el("button", {
    type: "submit",
    "data-focus-key": `${device.id}/control/setpoint`,
    text: "Set",
  });
  const form = el("form", { className: "control" }, [
    el("label", { for: id, text: `Setpoint${unit}` }),
    input,
    button,
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value === "") return;
    const number = param.type === "int" ? Number.parseInt(input.value, 10) : Number(input.value);
    send("set_target_temperature", { [param.name]: number }, button);
  });
  return {
    node: form,
    commands: ["set_target_temperature"],
    update(state) {
      if (document.activeElement === input) return; // someone is typing
      const name = firstPresent(state, SETPOINT_ATTRIBUTES);
      if (name !== null) input.value = String(value(state, name));
    },
  };
}

function lockButton(device, commands, send) {
  if (!commands.has("lock") || !commands.has("unlock")) return null;
  let locked = null;
  const button = el("button", {
    type: "button",
    "data-control": "lock",
    "data-focus-key": `${device.id}/control/lock`,
    text: "Lock",
  });
  button.addEventListener("click", () => send(locked ? "unlock" : "lock", {}, button));
  return {
    node: el("div", { className: "control" }, [button]),
    commands: ["lock", "unlock"],
    update(state) {
      const raw = value(state, "lock_state") ?? value(state, "locked") ?? value(state, "state");
      if (raw === undefined || raw === null) return;
      locked = raw === true || ["locked", "lock"].includes(String(raw).toLowerCase());
      button.textContent = locked ? "Unlock" : "Lock";
      button.setAttribute("aria-pressed", locked ? "true" : "false");
    },
  };
}
