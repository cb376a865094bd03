// Modal dialogs in place of alert/confirm/prompt: keyboard usable (Escape closes,
// focus returns to where it was) and styled like the page.

import { h, field } from "./dom.js";

function open(title, body, actions) {
  const previous = document.activeElement;
  const dialog = h("dialog", { class: "dialog", "aria-label": title });
  const form = h("form", { method: "dialog" }, h("h2", { text: title }), body, h("div", { class: "actions" }, actions));
  dialog.append(form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (previous && previous.focus) previous.focus();
      resolve(dialog.returnValue);
    });
    dialog.showModal();
  });
}

export async function confirmDialog(title, text, okLabel = "OK", danger = false) {
  const answer = await open(title, h("p", { text }), [
    h("button", { value: "cancel", type: "submit", class: "secondary", text: "Cancel" }),
    h("button", { value: "ok", type: "submit", class: danger ? "danger" : "primary", text: okLabel }),
  ]);
  return answer === "ok";
}

export async function promptDialog(title, label, value = "", { maxLength = 200 } = {}) {
  const input = h("input", { type: "text", value, maxlength: String(maxLength), required: true });
  const answer = await open(title, field(label, input), [
    h("button", { value: "cancel", type: "submit", class: "secondary", formnovalidate: true, text: "Cancel" }),
    h("button", { value: "ok", type: "submit", class: "primary", text: "Save" }),
  ]);
  return answer === "ok" ? input.value.trim() : null;
}

// A dialog of buttons; resolves with the chosen button's value (or "" on Escape).
export async function choiceDialog(title, choices, extra = null) {
  return open(title, extra, [
    ...choices.map(([value, label, cls]) => h("button", { value, type: "submit", class: cls || "secondary", text: label })),
    h("button", { value: "", type: "submit", class: "secondary", text: "Cancel" }),
  ]);
}

// A dialog with a form body; resolves with true when confirmed.
export async function formDialog(title, body, okLabel = "Save") {
  const answer = await open(title, body, [
    h("button", { value: "cancel", type: "submit", class: "secondary", formnovalidate: true, text: "Cancel" }),
    h("button", { value: "ok", type: "submit", class: "primary", text: okLabel }),
  ]);
  return answer === "ok";
}
