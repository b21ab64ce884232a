// The sentence box: a sentence in Chinese or English goes to POST /api/intents; the
// hub's reply and the actions it took are shown below it. Self-contained: the page
// calls setUpSentences() once and clearSentences() on sign-out.
import { ApiError, api, reportFailure } from "/static/api.js";
import { el, label, runBusy } from "/static/render.js";

// The route's own limit (SentenceIn.text, max_length).
const MAX_LENGTH = 300;

const $ = (id) => document.getElementById(id);

function actionText(action) {
  const params = Object.entries(action.params || {})
    .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : value}`)
    .join(" ");
  const error = action.error ? ` (${action.error})` : "";
  return `${action.device} ${label(action.command)}${params ? " " + params : ""}: ${label(action.outcome)}${error}`;
}

function showReply(reply) {
  const result = $("say-result");
  const parts = [
    el("p", { className: `reply outcome-${reply.outcome}`, lang: reply.language, text: reply.reply }),
  ];
  if (reply.actions && reply.actions.length) {
    parts.push(
      el(
        "ul",
        { className: "actions", "aria-label": "What the hub did" },
        reply.actions.map((action) =>
          el("li", { "data-device": action.device, "data-outcome": action.outcome, text: actionText(action) }),
        ),
      ),
    );
  }
  if (reply.suggestions && reply.suggestions.length) {
    const buttons = reply.suggestions.map((text) => {
      const button = el("button", { type: "button", className: "suggestion", lang: reply.language, text });
      button.addEventListener("click", () => {
        $("say-input").value = text;
        say(text);
      });
      return button;
    });
    parts.push(el("div", { className: "suggestions", "aria-label": "Sentences the hub understands" }, buttons));
  }
  result.className = "say-result";
  result.replaceChildren(...parts);
}

function showProblem(text) {
  const result = $("say-result");
  result.className = "say-result problem";
  result.textContent = text;
}

async function say(text) {
  const button = $("say-button");
  await runBusy(button, async () => {
    let reply;
    try {
      reply = await api("POST", "/api/intents", { text });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        showProblem("This hub does not take sentences (it runs without the intents part).");
      } else {
        reportFailure(err, (why) => showProblem(`Could not say it: ${why}`));
      }
      return;
    }
    showReply(reply);
  });
}

export function setUpSentences() {
  const input = $("say-input");
  input.maxLength = MAX_LENGTH;
  $("say-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      showProblem("Type a sentence first, for example 打开卧室的加湿器 or “turn off the desk plug”.");
      return;
    }
    say(text);
  });
}

export function clearSentences() {
  $("say-input").value = "";
  $("say-result").replaceChildren();
  $("say-result").className = "say-result";
}
