// Talking to the hub's REST API with the token the person typed in.

export const session = { token: null, signedIn: false };

let onUnauthorized = () => {};

// Called when a request made while signed in is refused (the token was revoked).
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

export class Unauthorized extends Error {}

export class ApiError extends Error {
  constructor(status, problem) {
    super(describeProblem(status, problem));
    this.status = status;
    this.problem = problem;
  }
}

// The problem+json body as one sentence: detail, invalid fields, allowed values.
function describeProblem(status, problem) {
  if (!problem || typeof problem !== "object") return `the hub answered ${status}`;
  let text = problem.detail || problem.title || `the hub answered ${status}`;
  if (Array.isArray(problem.errors) && problem.errors.length) {
    text += ": " + problem.errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  }
  if (Array.isArray(problem.allowed) && problem.allowed.length) {
    text += ` (allowed: ${problem.allowed.join(", ")})`;
  }
  return text;
}

export function describeError(err) {
  if (err instanceof ApiError || err instanceof Unauthorized) return err.message;
  return "the hub did not answer; is it running?";
}

// Show a failure where it happened, unless it was the token: the sign-in prompt says that.
export function reportFailure(err, show) {
  if (!(err instanceof Unauthorized)) show(describeError(err));
}

export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${session.token}`, Accept: "application/json" };
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.status === 401) {
    const refused = new Unauthorized(describeProblem(401, data));
    if (session.signedIn) onUnauthorized(refused.message);
    throw refused;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
