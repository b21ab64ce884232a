// Every view has its own address after the "#", so it can be bookmarked, shared on the
// LAN and reached with the back button: #/ (overview), #/devices/NAME, #/maintenance,
// #/scenes/ID. Modules register their views; an address no view claims shows "not found".

// [{parts: ["devices", ":name"], view}] in registration order.
const routes = [];
let current = null; // {route, params, key} of the view on screen
let running = false;

// `pattern` is the address without "#/": "" | "maintenance" | "devices/:name".
// `view` is {element: id of its container, show(params), hide(), title(params)}; show
// may be async, and runs again when the address changes within the same view.
export function registerView(pattern, view) {
  routes.push({ parts: pattern ? pattern.split("/") : [], view });
}

// The address of a view: href("devices", "bedroom humidifier") -> "#/devices/bedroom%20humidifier".
export function href(...parts) {
  return "#/" + parts.map((part) => encodeURIComponent(String(part))).join("/");
}

export function navigate(...parts) {
  location.hash = href(...parts);
}

function parse(hash) {
  const path = hash.replace(/^#\/?/, "").replace(/\/+$/, "");
  if (!path) return [];
  try {
    return path.split("/").map((part) => decodeURIComponent(part));
  } catch {
    return null; // a malformed %-escape: no view claims it
  }
}

function match(parts) {
  if (parts === null) return null;
  for (const route of routes) {
    if (route.parts.length !== parts.length) continue;
    const params = {};
    const fits = route.parts.every((want, i) => {
      if (want.startsWith(":")) {
        params[want.slice(1)] = parts[i];
        return parts[i] !== "";
      }
      return want === parts[i];
    });
    if (fits) return { route, params };
  }
  return null;
}

const notFound = {
  element: "view-not-found",
  show() {
    const shown = document.getElementById("not-found-address");
    let address = location.hash || "#/";
    try {
      address = decodeURI(address);
    } catch {
      // A malformed %-escape: shown as typed.
    }
    shown.textContent = address;
  },
  title: () => "Not found",
};

function show(moveFocus) {
  if (!running) return;
  const found = match(parse(location.hash)) || { route: { view: notFound }, params: {} };
  const { route, params } = found;
  const key = location.hash;
  if (current && current.key === key) return;
  if (current && current.route !== route && current.route.view.hide) current.route.view.hide();
  for (const node of document.querySelectorAll(".view")) {
    node.hidden = node.id !== route.view.element;
  }
  current = { route, params, key };
  const element = document.getElementById(route.view.element);
  document.title = `${route.view.title ? route.view.title(params) : "Home"} · mihub`;
  for (const link of document.querySelectorAll("nav.views a")) {
    const here = link.getAttribute("href") === href(...(parse(key) || []).slice(0, 1));
    link.setAttribute("aria-current", here ? "page" : "false");
  }
  Promise.resolve(route.view.show(params)).catch(() => {}); // views show their own errors
  if (moveFocus) {
    // A new view: a screen reader starts reading at its heading, the page at its top.
    const heading = element.querySelector("h2");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }
}

function onHashChange() {
  show(true);
}

// Signed in: show the view the address names, and follow it from now on.
export function startRouter() {
  if (running) return;
  running = true;
  current = null;
  window.addEventListener("hashchange", onHashChange);
  show(false);
}

// Signed out: no view is shown until the next sign-in.
export function stopRouter() {
  running = false;
  if (current && current.route.view.hide) current.route.view.hide();
  current = null;
  window.removeEventListener("hashchange", onHashChange);
}

// The params of the view on screen when it is `pattern`'s view, else null.
export function shownParams(view) {
  return current && current.route.view === view ? current.params : null;
}
