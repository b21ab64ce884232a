// mihub dashboard: sign-in, the live event stream, and what each event refreshes.
// Plain JavaScript modules, no dependencies, no build step. Whatever comes from the
// hub (device names are chosen by people) reaches the page through textContent or
// setAttribute only (see render.js), never parsed as HTML. Each view has its own address
// (router.js); the modules that draw a view register it there.
import { Unauthorized, api, describeError, session, whenUnauthorized } from "/static/api.js";
import "/static/device_view.js"; // registers #/devices/NAME
import { applyAvailability, applyStateChange, clearDevices, showDevices } from "/static/devices.js";
import { formatTime } from "/static/render.js";
import { clearMaintenance, loadMaintenance } from "/static/maintenance.js";
import { registerView, startRouter, stopRouter } from "/static/router.js";
import { refreshSceneView } from "/static/scene_editor.js";
import { clearScenes, loadScenes } from "/static/scenes.js";
import { clearSentences, setUpSentences } from "/static/sentences.js";

const TOKEN_KEY = "mihub.token";
// Reconnect backoff for the event stream: doubled per failure, with jitter.
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30000;
// Events of one kind arriving together cause one reload, not one each.
const RELOAD_COALESCE_MS = 300;
// A tab in the background draws its events this often (it paints no frames).
const HIDDEN_BATCH_MS = 1000;
// More events than this waiting to be drawn: the device list is read again instead.
const MAX_BATCH = 5000;
// A token also travels as a WebSocket subprotocol, so only these characters can work.
const TOKEN_SHAPE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$/;

const $ = (id) => document.getElementById(id);

const live = {
  socket: null,
  reconnectDelay: RECONNECT_MIN_MS,
  reconnectTimer: null,
  loadingDevices: false,
  queued: [], // events that arrived while a device snapshot was loading
  reloads: new Map(), // kind -> pending timer
};

// -- signing in and out ------------------------------------------------------------------

function showLogin(message) {
  $("app").hidden = true;
  $("forget-token").hidden = true;
  document.querySelector("nav.views").hidden = true;
  $("login").hidden = false;
  $("login-message").textContent = message || "";
  setConnection("idle", "signed out");
  const input = $("token-input");
  input.value = "";
  input.focus();
}

async function signIn(token) {
  if (!TOKEN_SHAPE.test(token)) {
    showLogin("That is not an API token: tokens look like mh_ followed by letters and digits.");
    return;
  }
  session.token = token;
  let snapshot;
  try {
    snapshot = await api("GET", "/api/devices");
  } catch (err) {
    session.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    if (err instanceof Unauthorized) {
      showLogin(`The hub did not accept that token (${err.message}). Enter it again.`);
    } else {
      showLogin(`Could not sign in: ${describeError(err)}`);
    }
    return;
  }
  session.signedIn = true;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("login").hidden = true;
  $("app").hidden = false;
  $("forget-token").hidden = false;
  document.querySelector("nav.views").hidden = false;
  showDevices(snapshot);
  startRouter();
  connect();
  loadScenes();
  loadMaintenance();
}

function signOut(message) {
  const socket = live.socket;
  live.socket = null;
  if (socket) socket.close(1000, "signed out");
  clearTimeout(live.reconnectTimer);
  for (const timer of live.reloads.values()) clearTimeout(timer);
  live.reloads.clear();
  live.queued = [];
  batch.events = [];
  session.token = null;
  session.signedIn = false;
  sessionStorage.removeItem(TOKEN_KEY);
  stopRouter();
  clearDevices();
  clearScenes();
  clearMaintenance();
  clearSentences();
  $("notice").textContent = "";
  showLogin(message);
}

whenUnauthorized((why) => signOut(`The hub no longer accepts this token (${why}). Enter a token again.`));

// -- the event stream --------------------------------------------------------------------

function setConnection(kind, text) {
  const node = $("connection");
  node.className = `connection connection-${kind}`;
  node.textContent = text;
}

function connect() {
  clearTimeout(live.reconnectTimer);
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/events`;
  let socket;
  try {
    socket = new WebSocket(url, ["mihub", `mihub.bearer.${session.token}`]);
  } catch {
    setConnection("offline", "cannot open the live event stream");
    return;
  }
  live.socket = socket;
  let opened = false;
  setConnection("connecting", "connecting…");
  socket.addEventListener("open", () => {
    opened = true;
    live.reconnectDelay = RECONNECT_MIN_MS;
    setConnection("live", "live");
    // Whatever changed while nobody listened: read it again now that events flow.
    refreshDevices();
    scheduleReload("scenes");
    scheduleReload("maintenance");
  });
  socket.addEventListener("message", (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (live.loadingDevices) live.queued.push(event);
    else queueEvent(event);
  });
  socket.addEventListener("close", (close) => {
    if (live.socket !== socket) return; // signed out, or replaced
    live.socket = null;
    if (close.code === 1008) {
      signOut("This token was revoked. Enter another one.");
      return;
    }
    // A refused handshake shows no reason in a browser: the REST API says whether it
    // is the token (then the page signs out) or the hub being away.
    if (!opened) refreshDevices();
    scheduleReconnect(close.reason);
  });
}

function scheduleReconnect(reason) {
  const delay = live.reconnectDelay * (0.8 + Math.random() * 0.4);
  live.reconnectDelay = Math.min(live.reconnectDelay * 2, RECONNECT_MAX_MS);
  const why = reason ? ` (${reason})` : "";
  setConnection("offline", `disconnected${why}; retrying in ${Math.ceil(delay / 1000)} s`);
  live.reconnectTimer = setTimeout(() => {
    if (session.signedIn) connect();
  }, delay);
}

// Events are drawn in batches, one per animation frame: a burst (a poll round of many
// devices, 20 changes a second) costs one style and layout pass per frame, not one per
// event. A hidden tab paints no frames, so its batches go by a timer instead.
const batch = { events: [], scheduled: false };

function queueEvent(event) {
  batch.events.push(event);
  if (batch.events.length > MAX_BATCH) {
    // So far behind that reading the whole list again is cheaper than catching up.
    batch.events = [];
    scheduleReload("devices");
    return;
  }
  if (batch.scheduled) return;
  batch.scheduled = true;
  if (document.hidden) setTimeout(applyBatch, HIDDEN_BATCH_MS);
  else requestAnimationFrame(applyBatch);
}

function applyBatch() {
  batch.scheduled = false;
  const events = batch.events;
  batch.events = [];
  if (!session.signedIn) return;
  // Of several changes to one attribute in a batch, only the last is drawn.
  const last = new Map();
  events.forEach((event, index) => {
    if (event.type === "state_changed") last.set(`${event.device_id}\u0000${event.attribute}`, index);
  });
  events.forEach((event, index) => {
    if (event.type === "state_changed" && last.get(`${event.device_id}\u0000${event.attribute}`) !== index) return;
    applyEvent(event);
  });
}

function applyEvent(event) {
  switch (event.type) {
    case "state_changed":
      if (!applyStateChange(event)) scheduleReload("devices");
      break;
    case "device_availability":
      if (!applyAvailability(event)) scheduleReload("devices");
      break;
    case "device_added":
    case "device_removed":
    case "device_updated":
      scheduleReload("devices");
      break;
    case "scene_run":
    case "scene_updated":
      scheduleReload("scenes");
      break;
    case "maintenance_prompt":
      scheduleReload("maintenance");
      break;
    case "notification":
      $("notice").textContent = `${formatTime(event.at)}: ${event.message}`;
      break;
    default:
      break;
  }
}

const loaders = {
  devices: refreshDevices,
  scenes: () => {
    loadScenes();
    refreshSceneView();
  },
  maintenance: loadMaintenance,
};

function scheduleReload(kind) {
  if (live.reloads.has(kind)) return;
  const timer = setTimeout(() => {
    live.reloads.delete(kind);
    if (session.signedIn) loaders[kind]();
  }, RELOAD_COALESCE_MS);
  live.reloads.set(kind, timer);
}

async function refreshDevices() {
  live.loadingDevices = true;
  let snapshot = null;
  try {
    snapshot = await api("GET", "/api/devices");
  } catch (err) {
    if (!(err instanceof Unauthorized)) {
      $("devices-note").textContent = `Could not refresh the devices: ${describeError(err)}`;
    }
  } finally {
    live.loadingDevices = false;
  }
  const queued = live.queued;
  live.queued = [];
  if (snapshot && session.signedIn) showDevices(snapshot);
  // Events that came while the snapshot loaded; older ones than it are skipped.
  for (const event of queued) queueEvent(event);
}

// -- start ---------------------------------------------------------------------------------

// The overview at #/: rooms with their devices, scenes, maintenance; kept live by events.
registerView("", { element: "view-overview", show: () => {}, title: () => "Home" });

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("login-message").textContent = "";
  signIn($("token-input").value.trim());
});
$("forget-token").addEventListener("click", () => signOut("Token forgotten. Enter a token to sign in."));
setUpSentences();

const stored = sessionStorage.getItem(TOKEN_KEY);
if (stored) signIn(stored);
else showLogin("");
