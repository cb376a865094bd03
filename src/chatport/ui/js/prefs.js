// The user's preferences, kept on the server (/api/preferences).

import { api } from "./api.js";

const DEFAULTS = { defaultModel: null, systemPrompt: null, theme: "system", dictationLanguage: null, sendOnEnter: true };
let current = { ...DEFAULTS };

function pick(body) {
  const src = body && typeof body === "object" ? body.preferences || {} : {};
  const out = {};
  for (const key of Object.keys(DEFAULTS)) if (key in src) out[key] = src[key];
  return out;
}

export async function loadPrefs() {
  current = { ...DEFAULTS, ...pick(await api.get("/api/preferences")) };
  applyTheme();
  return current;
}

export function prefs() {
  return current;
}

export async function savePrefs(change) {
  current = { ...DEFAULTS, ...pick(await api.put("/api/preferences", change)) };
  applyTheme();
  return current;
}

// The last theme is also kept outside any user, so the log-in form shows in it.
const THEME_KEY = "chatport.theme";

export function applyTheme(fromStorage = false) {
  let theme = current.theme;
  if (fromStorage) {
    try {
      theme = localStorage.getItem(THEME_KEY) || theme;
    } catch {
      // No storage: the system's theme.
    }
  }
  theme = ["light", "dark"].includes(theme) ? theme : "system";
  document.documentElement.dataset.theme = theme;
  if (!fromStorage) {
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // Private mode may refuse storage.
    }
  }
}
