// A device card's main state, shown large: what people look at a device for (the
// humidity, the temperature, whether it is on, the position, the vacuum's state and
// battery). Which attributes, per family, is data below; a family not listed gets the
// first of the common ones it has. Everything else stays in the card's details.
import { el, formatValue, label } from "/static/render.js";

// "@on": the device's on/off attribute, whatever it is called; a list: the first of
// these the device has (one fact under two names).
const ON_ATTRIBUTES = ["state", "power", "on", "is_on"];
const BY_FAMILY = {
  vacuum: ["state", "battery"],
  climate_sensor: ["temperature", "humidity"],
  humidifier: ["humidity", "@on"],
  dehumidifier: ["humidity", "@on"],
  air_conditioner: ["temperature", "@on"],
  heater: ["temperature", "@on"],
  fan: ["@on", "speed"],
  thermostat: ["local_temperature", "running_state"],
  air_purifier: ["aqi", "@on"],
  air_quality_monitor: ["pm25", "co2", "aqi"],
  water_purifier: ["tds_out", "@on"],
  pet_water_dispenser: ["water_level", "@on"],
  curtain: ["position"],
  light: ["@on"], // its brightness is on the slider, in the slider's units
  plug: ["@on"],
  switch: ["@on"],
  speaker: ["volume"],
  door_sensor: [["open", "contact"], "battery"],
  motion_sensor: ["occupancy", "illuminance"],
  leak_sensor: ["water_leak"],
  smoke_sensor: ["smoke"],
  lock: [["lock_state", "state"], "battery"],
  button: ["battery"],
};
const COMMON = [
  "@on",
  "humidity",
  "temperature",
  "local_temperature",
  "position",
  "aqi",
  "pm25",
  "occupancy",
  "open",
  "water_leak",
  "smoke",
  "battery",
];
// At most this many readings up front.
const MAX_READINGS = 2;
// Booleans that read better as words than as on/off: [true, false].
const WORDS = {
  open: ["open", "closed"],
  contact: ["closed", "open"],
  occupancy: ["motion", "clear"],
  water_leak: ["leak!", "dry"],
  smoke: ["smoke!", "clear"],
  battery_low: ["low", "ok"],
};
const ALERTS = { water_leak: true, smoke: true };

function resolve(name, known, state) {
  if (name !== "@on") return known.has(name) ? name : null;
  const found = ON_ATTRIBUTES.find((a) => {
    if (!known.has(a)) return false;
    const type = known.get(a);
    // A plug's "power" in watts is not whether it is on.
    return type === null || type === "bool" || typeof (state[a] && state[a].value) === "boolean";
  });
  return found || null;
}

// The attributes a device's card shows large, in order.
export function headlineAttributes(device) {
  const known = new Map();
  const caps = device.capabilities;
  for (const attribute of caps ? caps.attributes : []) known.set(attribute.name, attribute.type);
  for (const name of Object.keys(device.state || {})) if (!known.has(name)) known.set(name, null);
  const wanted = BY_FAMILY[device.family] || COMMON;
  const out = [];
  for (const names of wanted) {
    const choices = Array.isArray(names) ? names : [names];
    const found = choices.map((name) => resolve(name, known, device.state || {})).find(Boolean);
    if (found && !out.includes(found)) out.push(found);
    if (out.length === MAX_READINGS) break;
  }
  return out;
}

// -> {node, update(device)}; node is null when nothing fits.
export function headline(device) {
  const names = headlineAttributes(device);
  if (!names.length) return { node: null, names, update() {} };
  const shown = names.map((name) => {
    const value = el("span", { className: "value" });
    const node = el("div", { className: "reading", "data-headline": name }, [
      value,
      el("span", { className: "what", text: ON_ATTRIBUTES.includes(name) ? "" : label(name) }),
    ]);
    return { name, node, value };
  });
  return {
    node: el("div", { className: "headline" }, shown.map((s) => s.node)),
    names,
    update(current) {
      for (const { name, node, value } of shown) {
        const entry = (current.state || {})[name];
        const raw = entry ? entry.value : undefined;
        node.classList.toggle("alert", Boolean(ALERTS[name] && raw === true));
        if (typeof raw === "boolean" && WORDS[name]) {
          value.textContent = WORDS[name][raw ? 0 : 1];
        } else if (typeof raw === "number" && entry.unit) {
          // The number large, its unit beside it.
          value.replaceChildren(formatValue(raw, null), el("span", { className: "unit", text: entry.unit }));
        } else {
          value.textContent = formatValue(raw, entry ? entry.unit : null);
        }
        if (typeof raw === "string") value.textContent = label(raw);
      }
    },
  };
}
