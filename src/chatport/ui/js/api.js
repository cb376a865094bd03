// The web API (/api/...) with cookie sessions; every failure becomes an ApiError
// whose message is meant for a person to read.

export class ApiError extends Error {
  constructor(status, message, { retryAfter = null, details = null } = {}) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
    this.details = details;
  }
}

function waitWords(seconds) {
  if (seconds === null || Number.isNaN(seconds)) return "a little while";
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

const FIELD_WORDS = {
  too_short: "is too short",
  too_long: "is too long",
  missing: "is missing",
  too_small: "is too small",
  too_big: "is too big",
  invalid_type: "has the wrong type",
  invalid_enum_value: "is not one of the allowed values",
};

function detailWords(details) {
  if (!Array.isArray(details) || details.length === 0) return "";
  const parts = details.slice(0, 3).map((d) => {
    const where = Array.isArray(d.path) && d.path.length ? String(d.path[d.path.length - 1]) : "";
    const what = FIELD_WORDS[d.code] || d.message || "is not valid";
    return where ? `${where} ${what}` : what;
  });
  return parts.join("; ");
}

// The words a person sees for a failed request.
export function explain(status, body, retryAfter) {
  const said = body && typeof body.error === "string" ? body.error : "";
  if (status === 429) {
    const base = (said || "Too many requests").replace(/\.$/, "");
    return /try again in/i.test(base) ? `${base}.` : `${base}. Please wait ${waitWords(retryAfter)} and try again.`;
  }
  if (status === 502) {
    return `${said || "The model provider failed"}. Try again, pick another model, or ask an admin to check the provider's address and key.`;
  }
  if (status === 503) {
    return `${said || "The server is busy"}. Please try again in a moment.`;
  }
  if (status === 413) return "That is too large to send (the limit is 50 MB).";
  if (status === 400) {
    const more = detailWords(body && body.details);
    return more && said === "Invalid input" ? `Please check the form: ${more}.` : said || "The request was not valid.";
  }
  if (said) return said;
  if (status === 401) return "Please log in again.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "That was not found; it may have been deleted.";
  return `The server answered with an error (status ${status}). Please try again.`;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const header = response.headers.get("retry-after");
  const retryAfter = header === null ? null : Number.parseInt(header, 10);
  return new ApiError(response.status, explain(response.status, body, retryAfter), {
    retryAfter,
    details: body && body.details,
  });
}

const listeners = new Set();
// Called with no argument whenever an API call answers 401: the session is gone.
export function onSignedOut(fn) {
  listeners.add(fn);
}

export async function send(method, path, body, { signal, headers = {}, raw = false } = {}) {
  const init = { method, headers: { accept: "application/json", ...headers }, credentials: "same-origin", signal };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !path.startsWith("/api/auth/")) listeners.forEach((fn) => fn());
    throw error;
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : null;
}

export const api = {
  get: (path, opts) => send("GET", path, undefined, opts),
  post: (path, body = {}, opts) => send("POST", path, body, opts),
  put: (path, body = {}, opts) => send("PUT", path, body, opts),
  patch: (path, body = {}, opts) => send("PATCH", path, body, opts),
  del: (path, opts) => send("DELETE", path, undefined, opts),
};

export const enc = encodeURIComponent;
