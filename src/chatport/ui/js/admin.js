// The admin area: users, providers (with model sync) and models.

import { api } from "./api.js";
import { h, clear, field, formatTime, toast } from "./dom.js";
import { confirmDialog, promptDialog } from "./dialog.js";

const ROLES = ["admin", "member", "readonly"];

function section(title, ...body) {
  const id = `a-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id, text: title }), ...body);
}

// Runs an admin action; shows what went wrong in words, then redraws.
async function act(fn, redraw, done) {
  try {
    await fn();
    if (done) toast(done);
  } catch (err) {
    toast(err.message, "error");
  }
  await redraw();
}

function usersPanel(ctx) {
  const table = h("div", { class: "table-wrap" });
  const draw = async () => {
    const { users } = await api.get("/api/admin/users");
    table.replaceChildren(h("table", { class: "admin-table" },
      h("thead", {}, h("tr", {}, ["User", "Role", "Status", "Created", "Actions"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, users.map((u) => {
        const self = u.id === ctx.user.id;
        const role = h("select", { "aria-label": `Role of ${u.username}`, disabled: self }, ROLES.map((r) => h("option", { value: r, text: r, selected: r === u.role })));
        role.addEventListener("change", () => act(() => api.put(`/api/admin/users/${u.id}/role`, { role: role.value }), draw, "Role changed."));
        return h("tr", {},
          h("th", { scope: "row", text: u.username + (self ? " (you)" : "") }),
          h("td", {}, role),
          h("td", { text: u.disabled_at ? "disabled" : "active" }),
          h("td", { text: formatTime(u.created_at) }),
          h("td", { class: "cell-actions" },
            self ? null : h("button", { type: "button", class: "small", text: u.disabled_at ? "Enable" : "Disable", "aria-label": `${u.disabled_at ? "Enable" : "Disable"} ${u.username}`,
              onclick: () => act(() => api.put(`/api/admin/users/${u.id}/disabled`, { disabled: !u.disabled_at }), draw) }),
            h("button", { type: "button", class: "small", text: "Reset password", "aria-label": `Reset the password of ${u.username}`, onclick: async () => {
              const password = await promptDialog(`New password for ${u.username}`, "New password (at least 8 characters)");
              if (password) await act(() => api.put(`/api/admin/users/${u.id}/password`, { password }), draw, "Password reset; the user's sessions ended.");
            } }),
            self ? null : h("button", { type: "button", class: "small danger-text", text: "Delete", "aria-label": `Delete ${u.username}`, onclick: async () => {
              if (await confirmDialog("Delete user", `Delete ${u.username} and everything they own?`, "Delete", true)) await act(() => api.del(`/api/admin/users/${u.id}`), draw);
            } })));
      }))));
  };
  const username = h("input", { type: "text", required: true, minlength: "3", maxlength: "50", autocomplete: "off" });
  const password = h("input", { type: "password", required: true, minlength: "8", autocomplete: "new-password" });
  const role = h("select", {}, ROLES.map((r) => h("option", { value: r, text: r, selected: r === "member" })));
  const form = h("form", { class: "inline-form" }, field("Username", username), field("Password", password), field("Role", role),
    h("button", { type: "submit", class: "primary", text: "Add user" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      await api.post("/api/admin/users", { username: username.value.trim(), password: password.value, role: role.value });
      form.reset();
    }, draw, "User added.");
  });
  draw().catch((err) => table.replaceChildren(h("p", { class: "form-error", text: err.message })));
  return h("div", {}, table, h("h3", { text: "Add a user" }), form);
}

function providersPanel(redrawModels) {
  const table = h("div", { class: "table-wrap" });
  const kinds = h("select", {});
  const name = h("input", { type: "text", required: true, maxlength: "50" });
  const display = h("input", { type: "text", maxlength: "100" });
  const base = h("input", { type: "url", placeholder: "https://api.openai.com/v1" });
  const key = h("input", { type: "password", autocomplete: "off" });
  let available = [];
  const draw = async () => {
    const { providers } = await api.get("/api/admin/providers");
    table.replaceChildren(h("table", { class: "admin-table" },
      h("thead", {}, h("tr", {}, ["Provider", "Kind", "Address", "Key", "Models", "Actions"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, providers.map((p) => h("tr", {},
        h("th", { scope: "row", text: `${p.display_name} (${p.name})${p.enabled ? "" : " · off"}` }),
        h("td", { text: p.provider_type }),
        h("td", { text: p.base_url }),
        h("td", { text: p.has_key ? "stored" : "none" }),
        h("td", { text: String(p.model_count) }),
        h("td", { class: "cell-actions" },
          h("button", { type: "button", class: "small", text: "Sync models", "aria-label": `Sync the models of ${p.display_name}`, onclick: () => act(async () => {
            const r = await api.post(`/api/admin/providers/${p.id}/refresh-models`);
            toast(`${r.model_count} model${r.model_count === 1 ? "" : "s"} found.`);
          }, async () => { await draw(); await redrawModels(); }) }),
          h("button", { type: "button", class: "small", text: p.enabled ? "Turn off" : "Turn on", "aria-label": `${p.enabled ? "Turn off" : "Turn on"} ${p.display_name}`, onclick: () => act(() => api.put(`/api/admin/providers/${p.id}`, { enabled: !p.enabled }), draw) }),
          h("button", { type: "button", class: "small", text: "Set key", "aria-label": `Set the API key of ${p.display_name}`, onclick: async () => {
            const value = await promptDialog(`API key for ${p.display_name}`, "API key (empty removes it)", "", { maxLength: 1000 });
            if (value !== null) await act(() => api.put(`/api/admin/providers/${p.id}`, { apiKey: value }), draw, "Key saved.");
          } }),
          h("button", { type: "button", class: "small danger-text", text: "Delete", "aria-label": `Delete ${p.display_name}`, onclick: async () => {
            if (await confirmDialog("Delete provider", `Delete ${p.display_name} and its models?`, "Delete", true)) await act(() => api.del(`/api/admin/providers/${p.id}`), async () => { await draw(); await redrawModels(); });
          } })))))));
  };
  const form = h("form", { class: "inline-form" }, field("Kind", kinds), field("Name", name, "openai, anthropic, ollama, openrouter, or your own name"),
    field("Display name", display), field("Base URL", base), field("API key", key, "Local servers need none"),
    h("button", { type: "submit", class: "primary", text: "Add provider" }));
  kinds.addEventListener("change", () => {
    const k = available.find((a) => a.name === kinds.value);
    if (k) {
      name.value = k.name === "openai-compatible" ? "" : k.name;
      base.value = k.base_url || "";
      display.value = k.display_name || "";
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      await api.post("/api/admin/providers", {
        name: name.value.trim(), providerType: kinds.value, displayName: display.value.trim() || null,
        baseUrl: base.value.trim() || null, apiKey: key.value || null,
      });
      form.reset();
    }, async () => { await draw(); await redrawModels(); }, "Provider added and its models fetched.");
  });
  api.get("/api/admin/providers/available").then((body) => {
    available = body.providers;
    kinds.replaceChildren(...available.map((k) => h("option", { value: k.name, text: k.display_name })));
    kinds.dispatchEvent(new Event("change"));
  }).catch(() => {});
  draw().catch((err) => table.replaceChildren(h("p", { class: "form-error", text: err.message })));
  return h("div", {}, table, h("h3", { text: "Add a provider" }), form);
}

function modelsPanel(ctx) {
  const table = h("div", { class: "table-wrap" });
  const draw = async () => {
    const { models } = await api.get("/api/admin/models");
    table.replaceChildren(h("table", { class: "admin-table" },
      h("thead", {}, h("tr", {}, ["Model", "Provider", "Enabled", "Default", "Actions"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, models.map((m) => {
        const on = h("input", { type: "checkbox", checked: m.enabled, "aria-label": `Enable ${m.display_name}` });
        on.addEventListener("change", () => act(() => api.put(`/api/admin/models/${m.id}`, { enabled: on.checked }), redraw));
        return h("tr", {},
          h("th", { scope: "row" }, h("span", { text: m.display_name }), h("small", { class: "muted", text: ` ${m.model_id}` })),
          h("td", { text: m.provider_display_name }),
          h("td", {}, on),
          h("td", {}, m.is_default ? h("span", { text: "default" }) : h("button", { type: "button", class: "small", text: "Make default", "aria-label": `Make ${m.display_name} the default`, onclick: () => act(() => api.put(`/api/admin/models/${m.id}/default`), redraw) })),
          h("td", { class: "cell-actions" },
            h("button", { type: "button", class: "small", text: "Rename", "aria-label": `Rename ${m.display_name}`, onclick: async () => {
              const value = await promptDialog("Model name", "Display name", m.display_name);
              if (value) await act(() => api.put(`/api/admin/models/${m.id}`, { displayName: value }), redraw);
            } }),
            h("button", { type: "button", class: "small danger-text", text: "Delete", "aria-label": `Delete ${m.display_name}`, onclick: async () => {
              if (await confirmDialog("Delete model", `Delete ${m.display_name}?`, "Delete", true)) await act(() => api.del(`/api/admin/models/${m.id}`), redraw);
            } })));
      }))));
  };
  const redraw = async () => {
    await draw();
    await ctx.reloadModels();
  };
  draw().catch((err) => table.replaceChildren(h("p", { class: "form-error", text: err.message })));
  return { el: table, redraw };
}

export function adminView(main, ctx) {
  const models = modelsPanel(ctx);
  clear(main).append(h("div", { class: "page" },
    h("h1", { text: "Admin" }),
    section("Users", usersPanel(ctx)),
    section("Providers", providersPanel(models.redraw)),
    section("Models", models.el)));
  main.focus();
  return { dispose() {} };
}
