// The page's entry: find the session, then show the setup/login form or the app
// (sidebar + one view chosen by the URL's hash: #/, #/c/<id>, #/settings, #/admin).

import { api, onSignedOut } from "./api.js";
import { h, clear, icon } from "./dom.js";
import { currentSession, renderAuth, logOut } from "./auth.js";
import { loadPrefs, applyTheme } from "./prefs.js";
import { sidebar } from "./sidebar.js";
import { chatView } from "./chat.js";

const app = document.getElementById("app");
let models = [];

async function boot() {
  applyTheme(true);
  let session;
  try {
    session = await currentSession();
  } catch (err) {
    clear(app).append(h("main", { class: "auth-screen" }, h("p", { class: "form-error", role: "alert", text: err.message })));
    return;
  }
  if (!session.user) {
    renderAuth(app, { setupRequired: session.setupRequired, onSignedIn: (user) => start(user) });
    return;
  }
  await start(session.user);
}

async function loadModels() {
  try {
    models = (await api.get("/api/models?type=text")).models;
  } catch {
    models = [];
  }
}

async function start(user) {
  onSignedOut(() => window.location.reload());
  await Promise.all([loadPrefs().catch(() => null), loadModels()]);
  const isAdmin = user.role === "admin";
  const side = h("aside", { id: "sidebar", class: "sidebar", "aria-label": "Chats and folders" });
  const scrim = h("div", { class: "scrim", hidden: true });
  const menuBtn = h("button", { type: "button", class: "icon-button menu", "aria-controls": "sidebar", "aria-expanded": "false", "aria-label": "Show chats" }, icon("menu"));
  const main = h("main", { id: "main", class: "main", tabindex: "-1" });
  const shell = h("div", { class: "shell" }, side, scrim,
    h("div", { class: "main-col" },
      h("header", { class: "topbar" }, menuBtn,
        h("a", { href: "#/", class: "brand", text: "chatport" }),
        h("nav", { class: "top-links", "aria-label": "Account" },
          h("span", { class: "who", text: `${user.username}${user.role === "readonly" ? " (read-only)" : ""}` }),
          h("a", { href: "#/settings", text: "Settings" }),
          isAdmin ? h("a", { href: "#/admin", text: "Admin" }) : null,
          h("button", { type: "button", class: "secondary small", text: "Log out", onclick: logOut }))),
      main));
  clear(app).append(shell);

  const setSidebar = (open) => {
    shell.classList.toggle("sidebar-open", open);
    scrim.hidden = !open;
    menuBtn.setAttribute("aria-expanded", String(open));
    menuBtn.setAttribute("aria-label", open ? "Hide chats" : "Show chats");
    if (open) side.querySelector("a, button")?.focus();
  };
  menuBtn.addEventListener("click", () => setSidebar(!shell.classList.contains("sidebar-open")));
  scrim.addEventListener("click", () => setSidebar(false));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && shell.classList.contains("sidebar-open") && !document.querySelector("dialog[open]")) {
      setSidebar(false);
      menuBtn.focus();
    }
  });

  let view = null;
  let adopted = null;
  const ctx = {
    user,
    models: () => models,
    closeSidebar: () => setSidebar(false),
    onChatsChanged: () => bar.refresh(),
    titleChanged: (id, title) => view && view.chatId === id && view.setTitle && view.setTitle(title),
    // A new chat got its id on the first message: the URL follows without a redraw.
    adopt: (id) => {
      adopted = id;
      if (view) view.chatId = id;
      window.location.hash = `#/c/${encodeURIComponent(id)}`;
      bar.setActive(id);
    },
    reloadModels: loadModels,
  };
  const bar = sidebar(side, ctx);

  async function route() {
    const hash = window.location.hash || "#/";
    const chatMatch = /^#\/c\/([^/]+)$/.exec(hash);
    const chatId = chatMatch ? decodeURIComponent(chatMatch[1]) : null;
    if (chatId && chatId === adopted) {
      adopted = null;
      return;
    }
    adopted = null;
    if (view && view.dispose) view.dispose();
    view = null;
    bar.setActive(chatId);
    if (hash.startsWith("#/settings")) {
      const { settingsView } = await import("./settings.js");
      view = settingsView(main, ctx);
      document.title = "Settings · chatport";
    } else if (hash.startsWith("#/admin") && isAdmin) {
      const { adminView } = await import("./admin.js");
      view = adminView(main, ctx);
      document.title = "Admin · chatport";
    } else {
      view = chatView(main, chatId, ctx);
      view.chatId = chatId;
      document.title = "chatport";
    }
  }
  window.addEventListener("hashchange", route);
  await route();
}

boot();
