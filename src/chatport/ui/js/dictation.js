// Voice dictation with the browser's Web Speech API: a mic button and a language
// choice (kept in localStorage); recognised text goes into the composer.

import { h, icon, newId } from "./dom.js";

export const LANGUAGES = [
  ["en-US", "English (US)"],
  ["es-CO", "Español (Colombia)"],
  ["es-ES", "Español (España)"],
  ["pt-BR", "Português (Brasil)"],
  ["fr-FR", "Français (France)"],
  ["de-DE", "Deutsch (Deutschland)"],
];
export const LANGUAGE_KEY = "chatport.dictationLanguage";

export const MESSAGES = {
  insecure: "Voice dictation needs a secure connection: open this site over HTTPS (or on localhost).",
  unsupported: "Voice dictation is not supported in this browser. Try Chrome or Edge.",
  "not-allowed": "Microphone access denied. Click the lock or info icon in the address bar and allow the microphone.",
  "service-not-allowed": "Microphone access denied. Click the lock or info icon in the address bar and allow the microphone.",
  "no-speech": "No speech detected. Speak louder or check that your microphone works.",
  network: "Network error: speech recognition needs an internet connection. Check your connection.",
  "audio-capture": "No microphone was found. Check that one is connected and not used by another program.",
  "language-not-supported": "This language is not available for dictation in this browser; pick another.",
  listening: "Listening… speak now. Press the mic button again to stop.",
};

function savedLanguage() {
  try {
    const stored = localStorage.getItem(LANGUAGE_KEY);
    return LANGUAGES.some(([code]) => code === stored) ? stored : null;
  } catch {
    return null;
  }
}

function defaultLanguage() {
  const wanted = (navigator.language || "en-US").toLowerCase();
  const exact = LANGUAGES.find(([code]) => code.toLowerCase() === wanted);
  const sameTongue = LANGUAGES.find(([code]) => code.slice(0, 2) === wanted.slice(0, 2));
  return (exact || sameTongue || LANGUAGES[0])[0];
}

// Builds the controls; `composer` is the textarea that receives the text.
export function dictationControls(composer) {
  const statusEl = h("p", { class: "dictation-status", id: newId("dict"), role: "status", "aria-live": "polite" });
  const select = h("select", { class: "dictation-lang", "aria-label": "Dictation language", title: "Dictation language" },
    LANGUAGES.map(([code, name]) => h("option", { value: code, text: `${code} · ${name}` })));
  select.value = savedLanguage() || defaultLanguage();
  select.addEventListener("change", () => {
    try {
      localStorage.setItem(LANGUAGE_KEY, select.value);
    } catch {
      // Private mode may refuse storage: the choice then lasts for this visit.
    }
    if (recognition) stop();
  });
  const button = h("button", {
    type: "button", class: "icon-button mic", "aria-pressed": "false", "aria-label": "Start dictation",
    title: "Dictate", "aria-describedby": statusEl.id,
  }, icon("mic"));

  const say = (text, kind = "info") => {
    statusEl.textContent = text || "";
    statusEl.dataset.kind = kind;
  };
  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  let recognition = null;

  const setListening = (on) => {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.setAttribute("aria-label", on ? "Stop dictation" : "Start dictation");
    button.classList.toggle("listening", on);
  };
  const stop = () => {
    if (recognition) recognition.stop();
  };

  if (!window.isSecureContext) {
    button.disabled = true;
    button.title = MESSAGES.insecure;
    say(MESSAGES.insecure, "warning");
  } else if (!Recognition) {
    button.disabled = true;
    button.title = MESSAGES.unsupported;
    say(MESSAGES.unsupported, "warning");
  }

  button.addEventListener("click", () => {
    if (recognition) {
      stop();
      return;
    }
    const rec = new Recognition();
    recognition = rec;
    rec.lang = select.value;
    rec.continuous = true;
    rec.interimResults = true;
    const before = composer.value;
    const joiner = before && !/\s$/.test(before) ? " " : "";
    let failed = false;
    rec.onstart = () => {
      setListening(true);
      say(MESSAGES.listening);
    };
    rec.onresult = (event) => {
      let heard = "";
      for (let k = 0; k < event.results.length; k += 1) heard += event.results[k][0].transcript;
      composer.value = before + (heard ? joiner + heard.trimStart() : "");
      composer.dispatchEvent(new Event("input", { bubbles: true }));
    };
    rec.onerror = (event) => {
      if (event.error === "aborted") return;
      failed = true;
      say(MESSAGES[event.error] || `Dictation stopped (${event.error}).`, "error");
    };
    rec.onend = () => {
      recognition = null;
      setListening(false);
      if (!failed) say("");
      composer.focus();
    };
    try {
      rec.start();
      setListening(true);
      say(MESSAGES.listening);
    } catch (err) {
      recognition = null;
      say(`Dictation could not start: ${err.message || err}`, "error");
    }
  });

  return { button, select, statusEl, stop };
}
