// First-run admin setup and log in. The server says whether setup is needed when
// its 401 session answer carries `setupRequired`; otherwise the person can
// switch to the setup form, and the server refuses it once a user exists.

import { api, ApiError } from "./api.js";
import { h, field, clear } from "./dom.js";

export async function currentSession() {
  const response = await fetch("/api/auth/session", { credentials: "same-origin", headers: { accept: "application/json" } });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok && body && body.user) return { user: body.user };
  if (response.status === 401) return { user: null, setupRequired: body ? body.setupRequired : undefined };
  throw new ApiError(response.status, "The server could not be reached properly. Please reload the page in a moment.");
}

export function renderAuth(root, { setupRequired, onSignedIn }) {
  let mode = setupRequired === true ? "setup" : "login";
  const draw = () => {
    const setup = mode === "setup";
    const username = h("input", { type: "text", name: "username", autocomplete: "username", required: true, minlength: setup ? "3" : null, maxlength: "50" });
    const password = h("input", { type: "password", name: "password", autocomplete: setup ? "new-password" : "current-password", required: true, minlength: setup ? "8" : null });
    const confirm = setup ? h("input", { type: "password", name: "confirm", autocomplete: "new-password", required: true }) : null;
    const error = h("p", { class: "form-error", role: "alert" });
    const submit = h("button", { type: "submit", class: "primary", text: setup ? "Create admin account" : "Log in" });
    const form = h("form", { class: "auth-form", "aria-labelledby": "auth-title" },
      h("h1", { id: "auth-title", text: setup ? "Welcome to chatport" : "Log in to chatport" }),
      setup ? h("p", { text: "No account exists yet. The account you create now is the administrator." }) : null,
      field("Username", username, setup ? "3 to 50 characters" : null),
      field("Password", password, setup ? "At least 8 characters" : null),
      confirm ? field("Repeat the password", confirm) : null,
      error, submit,
      setupRequired === true ? null : h("button", {
        type: "button", class: "link-button", text: setup ? "I already have an account: log in" : "First run? Create the admin account",
        onclick: () => { mode = setup ? "login" : "setup"; draw(); },
      }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      if (confirm && confirm.value !== password.value) {
        error.textContent = "The two passwords differ.";
        confirm.focus();
        return;
      }
      submit.disabled = true;
      try {
        const body = await api.post(setup ? "/api/auth/register" : "/api/auth/login", { username: username.value.trim(), password: password.value });
        onSignedIn(body.user);
      } catch (err) {
        if (setup && err.status === 403) {
          mode = "login";
          draw();
          root.querySelector(".form-error").textContent = `${err.message}. Log in instead.`;
          return;
        }
        error.textContent = err.status === 401 ? "Wrong username or password." : err.message;
        password.value = "";
        password.focus();
      } finally {
        submit.disabled = false;
      }
    });
    clear(root).append(h("main", { class: "auth-screen" }, form));
    username.focus();
  };
  draw();
}

export async function logOut() {
  try {
    await api.post("/api/auth/logout");
  } finally {
    window.location.hash = "";
    window.location.reload();
  }
}

export function changePasswordForm() {
  const current = h("input", { type: "password", autocomplete: "current-password", required: true });
  const next = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: "8" });
  const again = h("input", { type: "password", autocomplete: "new-password", required: true });
  const note = h("p", { class: "form-note", role: "status" });
  const form = h("form", { class: "stack" },
    field("Current password", current), field("New password", next, "At least 8 characters"), field("Repeat the new password", again),
    note, h("button", { type: "submit", class: "primary", text: "Change password" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    note.className = "form-note";
    if (next.value !== again.value) {
      note.textContent = "The two new passwords differ.";
      note.classList.add("form-error");
      return;
    }
    try {
      await api.put("/api/auth/change-password", { currentPassword: current.value, newPassword: next.value });
      form.reset();
      note.textContent = "Password changed. Your other sessions were logged out.";
    } catch (err) {
      note.textContent = err.status === 401 ? "The current password is wrong." : err.message;
      note.classList.add("form-error");
    }
  });
  return form;
}
