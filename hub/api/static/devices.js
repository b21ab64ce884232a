// Devices grouped by room on the overview, kept live by events; the cards themselves are
// device_card.js's, the #/devices/NAME view device_view.js's (it listens here).
import { buildCard, updateCard } from "/static/device_card.js";
import { el, label, nextId } from "/static/render.js";

// id -> device as GET /api/devices shows it, kept current by events.
const devices = new Map();
// id -> the parts of its card on the overview (see device_card.js)
const cards = new Map();
// What else shows devices (the device view): {shown(), changed(device, attribute, event)}.
const listeners = [];

export function clearDevices() {
  shownLayout = null;
  devices.clear();
  cards.clear();
  document.getElementById("rooms").replaceChildren();
  for (const listener of listeners) listener.cleared();
}

export function followDevices(listener) {
  listeners.push(listener);
}

// A device by name or id, as last shown (null when the page does not have it).
export function findDevice(nameOrId) {
  return devices.get(nameOrId) || [...devices.values()].find((d) => d.name === nameOrId) || null;
}

export function devicesLoaded() {
  return shownLayout !== null;
}

// The rooms the hub knows, for a room field's suggestions.
export function knownRooms() {
  return [...new Set([...devices.values()].map((d) => d.room).filter(Boolean))].sort();
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
    for (const device of devices.values()) refresh(device);
    return;
  }
  shownLayout = layout;
  renderRooms();
  for (const listener of listeners) listener.shown();
}

// The device as PATCH /api/devices/{id} answered (a new room): redrawn at once, before
// the hub's device_updated event comes round.
function replaceDevice(reply) {
  if (!reply || !devices.has(reply.id)) return;
  devices.set(reply.id, reply);
  showDevices({ devices: [...devices.values()] });
}

export function cardFor(device) {
  return buildCard(device, { rooms: knownRooms(), moved: replaceDevice });
}

function refresh(device, attribute, event) {
  const parts = cards.get(device.id);
  if (parts) updateCard(parts, device, attribute);
  for (const listener of listeners) listener.changed(device, attribute, event);
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
  refresh(device, event.attribute, event);
  return true;
}

export function applyAvailability(event) {
  const device = devices.get(event.device_id);
  if (!device) return false;
  device.available = event.available;
  device.status = event.status;
  device.reason = event.reason;
  refresh(device);
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
    const built = members.map((device) => {
      const parts = cardFor(device);
      cards.set(device.id, parts);
      return parts.card;
    });
    return el("section", { className: "room", "data-room": room, "aria-labelledby": headingId }, [
      el("h3", { id: headingId, text: room ? label(room) : "No room" }),
      el("div", { className: "cards" }, built),
    ]);
  });
  document.getElementById("rooms").replaceChildren(...sections);
  if (focused) {
    const again = document.querySelector(`#rooms [data-focus-key="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}
