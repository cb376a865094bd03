// Settings: preferences, password, the user's own provider keys, and personal
// access tokens for the v1 API.

import { api, enc } from "./api.js";
import { h, clear, field, formatTime, toast } from "./dom.js";
import { changePasswordForm } from "./auth.js";
import { prefs, savePrefs } from "./prefs.js";
import { modelSelect } from "./models.js";
import { copyText } from "./markdown.js";
import { confirmDialog } from "./dialog.js";

const BYOK = [["openai", "OpenAI"], ["anthropic", "Anthropic"], ["openrouter", "OpenRouter"]];

function section(title, ...body) {
  const id = `s-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id, text: title }), ...body);
}

function preferencesForm(ctx) {
  const p = prefs();
  const model = modelSelect(ctx.models(), p.defaultModel, "Default model");
  model.removeAttribute("aria-label");
  const system = h("textarea", { rows: "4", maxlength: "20000", value: p.systemPrompt || "" });
  const themes = ["system", "light", "dark"].map((t) =>
    h("label", { class: "check" }, h("input", { type: "radio", name: "theme", value: t, checked: (p.theme || "system") === t }), ` ${t[0].toUpperCase()}${t.slice(1)}`));
  const note = h("p", { class: "form-note", role: "status" });
  const form = h("form", { class: "stack" },
    field("Default model", model, "Chosen first in the model picker."),
    field("System prompt for new chats", system, "Sent to the model before every message of chats you start."),
    h("fieldset", { class: "themes" }, h("legend", { text: "Theme" }), themes),
    note, h("button", { type: "submit", class: "primary", text: "Save preferences" }));
  for (const radio of form.querySelectorAll("input[name=theme]")) {
    radio.addEventListener("change", () => {
      document.documentElement.dataset.theme = radio.value;
    });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const theme = form.querySelector("input[name=theme]:checked").value;
    try {
      await savePrefs({ defaultModel: model.value || null, systemPrompt: system.value.trim() || null, theme });
      note.className = "form-note";
      note.textContent = "Saved.";
    } catch (err) {
      note.className = "form-note form-error";
      note.textContent = err.message;
    }
  });
  return form;
}

function credentialsPanel() {
  const list = h("ul", { class: "rows" });
  const kind = h("select", {}, BYOK.map(([v, t]) => h("option", { value: v, text: t })));
  const key = h("input", { type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const note = h("p", { class: "form-note", role: "status" });
  const draw = async () => {
    try {
      const body = await api.get("/api/credentials");
      list.replaceChildren(...(body.credentials.length ? body.credentials.map((c) => h("li", { class: "row" },
        h("span", { text: `${(BYOK.find(([v]) => v === c.provider) || [c.provider, c.provider])[1]}: key stored ${formatTime(c.createdAt)}` }),
        h("button", { type: "button", class: "small danger-text", text: "Remove", "aria-label": `Remove your ${c.provider} key`, onclick: async () => {
          try {
            await api.del(`/api/credentials/${enc(c.provider)}`);
            draw();
          } catch (err) {
            toast(err.message, "error");
          }
        } }))) : [h("li", { class: "muted", text: "No keys of your own yet; the server's providers are used." })]));
    } catch (err) {
      list.replaceChildren(h("li", { class: "form-error", text: err.message }));
    }
  };
  const form = h("form", { class: "inline-form" }, field("Provider", kind), field("API key", key, "Stored encrypted; never shown again."),
    h("button", { type: "submit", class: "primary", text: "Save key" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.put(`/api/credentials/${enc(kind.value)}`, { apiKey: key.value });
      key.value = "";
      note.className = "form-note";
      note.textContent = "Key saved.";
      draw();
    } catch (err) {
      note.className = "form-note form-error";
      note.textContent = err.message;
    }
  });
  draw();
  return h("div", {}, list, form, note);
}

function tokensPanel() {
  const box = h("div");
  const list = h("ul", { class: "rows" });
  const name = h("input", { type: "text", required: true, maxlength: "100", placeholder: "My phone" });
  const days = h("input", { type: "number", min: "1", max: "3650", placeholder: "never" });
  const secret = h("div", { class: "secret", role: "status" });
  const draw = async () => {
    let body;
    try {
      body = await api.get("/api/tokens");
    } catch (err) {
      list.replaceChildren(h("li", { class: "form-error", text: err.message }));
      return;
    }
    const tokens = body.tokens;
    list.replaceChildren(...(tokens.length ? tokens.map((t) => h("li", { class: "row" },
      h("span", { text: `${t.name} · created ${when(t.createdAt)} · last used ${when(t.lastUsedAt) || "never"}${t.expiresAt ? ` · expires ${when(t.expiresAt)}` : ""}` }),
      h("button", { type: "button", class: "small danger-text", text: "Revoke", "aria-label": `Revoke token ${t.name}`, onclick: async () => {
        if (!(await confirmDialog("Revoke token", `Revoke “${t.name}”? Apps using it stop working.`, "Revoke", true))) return;
        try {
          await api.del(`/api/tokens/${enc(t.id)}`);
          draw();
        } catch (err) {
          toast(err.message, "error");
        }
      } }))) : [h("li", { class: "muted", text: "No tokens yet." })]));
  };
  const form = h("form", { class: "inline-form" }, field("Token name", name), field("Expires after (days)", days, "Empty: never"),
    h("button", { type: "submit", class: "primary", text: "Create token" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = await api.post("/api/tokens", { name: name.value.trim(), expiresInDays: days.value ? Number(days.value) : null });
      const value = body.secret;
      const code = h("code", { text: String(value) });
      secret.replaceChildren(h("p", { text: "Copy this token now: it is shown only once." }), code,
        h("button", { type: "button", class: "small", text: "Copy token", onclick: async () => toast((await copyText(String(value))) ? "Copied" : "Copy failed") }));
      form.reset();
      draw();
    } catch (err) {
      secret.replaceChildren(h("p", { class: "form-error", text: err.message }));
    }
  });
  box.replaceChildren(list, form, secret);
  draw();
  return box;
}

function when(value) {
  if (value === null || value === undefined) return "";
  return formatTime(typeof value === "number" ? value : Date.parse(value));
}

export function settingsView(main, ctx) {
  clear(main).append(h("div", { class: "page" },
    h("h1", { text: "Settings" }),
    section("Preferences", preferencesForm(ctx)),
    section("Password", changePasswordForm()),
    section("Your provider keys", h("p", { class: "muted", text: "Use your own API key for a hosted provider instead of the server's." }), credentialsPanel()),
    section("Access tokens for apps (API v1)", tokensPanel())));
  main.focus();
  return { dispose() {} };
}
