// Files attached to a message: the composer's tray (picker, drag and drop, pasted
// images; each file uploads at once and shows as a removable chip) and the
// attachments shown under a stored message (metadata fetched once per page load).

import { api, enc, explain, ApiError } from "./api.js";
import { h, append, clear, icon, newId } from "./dom.js";

export const MAX_FILES = 20; // the most one message may carry (the API's limit)
// What a model with vision is sent; other images cannot go to a model at all.
export const VISION_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
// Shown in the page as pictures (the server serves these inline).
const PICTURE_TYPES = new Set([...VISION_TYPES, "image/bmp"]);

export const contentUrl = (id) => `/api/files/${enc(id)}/content`;

export function sizeWords(bytes) {
  if (!Number.isFinite(bytes)) return "";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

// --- metadata, cached for the page's life -------------------------------------
const metas = new Map(); // id -> Promise<meta | null> (null: the file is gone)

export function rememberFile(meta) {
  metas.set(meta.id, Promise.resolve(meta));
}

export function fileMeta(id) {
  if (!metas.has(id)) {
    const found = api.get(`/api/files/${enc(id)}`).catch((err) => {
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return null;
      metas.delete(id); // a passing failure: ask again next time
      throw err;
    });
    metas.set(id, found);
  }
  return metas.get(id);
}

// --- uploading ------------------------------------------------------------------
// The words for a refused upload: the server's own for a type, a size, a quota or
// a read-only account; the wait for a rate limit.
export function uploadErrorWords(status, body, retryAfter) {
  const said = body && typeof body.error === "string" ? body.error.replace(/\.?$/, ".") : "";
  if (status === 413) return said || "The file is too large to upload.";
  if (status === 403) return said || "You are not allowed to upload files.";
  if (status === 401) return "Please log in again.";
  return explain(status, body, retryAfter);
}

// Sends one file (multipart, field "file"); onProgress(fraction) as it goes.
// Resolves with the stored file; rejects with an Error whose message is words.
function uploadFile(file, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/files");
    xhr.setRequestHeader("accept", "application/json");
    xhr.responseType = "text";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && event.total) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 201 && body && body.id) {
        resolve(body);
        return;
      }
      const header = xhr.getResponseHeader("retry-after");
      const retryAfter = header === null ? null : Number.parseInt(header, 10);
      reject(new ApiError(xhr.status, uploadErrorWords(xhr.status, body, retryAfter), { retryAfter }));
    });
    xhr.addEventListener("error", () => {
      reject(new ApiError(0, "The upload failed: the server could not be reached, or it closed the connection (is the file larger than the limit?). Try again."));
    });
    xhr.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    if (signal) signal.addEventListener("abort", () => xhr.abort());
    const form = new FormData();
    form.append("file", file, file.name || "file");
    xhr.send(form);
  });
}

// --- the composer's tray --------------------------------------------------------
// onChange() is called whenever a chip is added, finishes, fails or goes away.
export function attachmentTray({ onChange, returnFocus }) {
  let items = [];
  const input = h("input", { type: "file", multiple: true, hidden: true, tabindex: "-1", "aria-label": "Files to attach" });
  const button = h("button", {
    type: "button", class: "icon-button attach", "aria-label": "Attach files", title: "Attach files (or drop them here, or paste an image)",
  }, icon("paperclip"));
  const list = h("ul", { class: "attachments", "aria-label": "Attached files", hidden: true });
  const announcer = h("p", { class: "offscreen-text", role: "status", "aria-live": "polite" });
  const warning = h("p", { class: "attach-warning", role: "status", hidden: true });
  const el = h("div", { class: "attach-tray" }, list, warning, announcer);

  const say = (text) => {
    announcer.textContent = text;
  };
  const changed = () => {
    list.hidden = items.length === 0;
    onChange();
  };

  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    addFiles([...input.files]);
    input.value = "";
  });

  function drawChip(item) {
    const uploading = item.state === "uploading";
    const name = item.meta ? item.meta.filename : item.file.name || "file";
    const size = item.meta ? item.meta.sizeFormatted : sizeWords(item.file.size);
    const picture = item.meta && PICTURE_TYPES.has(item.meta.mimeType)
      ? h("img", { class: "chip-thumb", src: contentUrl(item.meta.id), alt: "", width: "40", height: "40", loading: "lazy" })
      : h("span", { class: "chip-icon" }, icon("file"));
    const percent = Math.round((item.progress || 0) * 100);
    item.el.dataset.state = item.state;
    item.el.setAttribute("aria-busy", uploading ? "true" : "false");
    append(clear(item.el), [
      picture,
      h("span", { class: "chip-text" },
        h("span", { class: "chip-name", text: name, title: name }),
        h("span", { class: "chip-size", text: size }),
        uploading ? h("span", { class: "chip-status", text: `Uploading… ${percent}%` }) : null,
        uploading ? h("progress", { class: "chip-progress", max: "100", value: String(percent), "aria-label": `Uploading ${name}` }) : null,
        item.state === "error" ? h("span", { class: "chip-error", text: item.error }) : null),
      h("button", {
        type: "button", class: "icon-button chip-remove", "aria-label": `Remove ${name}`, title: uploading ? "Cancel the upload" : "Remove",
        onclick: () => remove(item, true),
      }, icon("close"))]);
  }

  function setProgress(item, fraction) {
    item.progress = fraction;
    const bar = item.el.querySelector("progress");
    const status = item.el.querySelector(".chip-status");
    const percent = Math.round(fraction * 100);
    if (bar) bar.value = percent;
    if (status) status.textContent = `Uploading… ${percent}%`;
  }

  function addFiles(files) {
    for (const file of files) {
      const item = { key: newId("att"), file, state: "uploading", progress: 0, meta: null, error: "", controller: new AbortController() };
      item.el = h("li", { class: "chip" });
      items.push(item);
      list.append(item.el);
      if (items.length > MAX_FILES) {
        fail(item, `At most ${MAX_FILES} files can go with one message.`);
        continue;
      }
      drawChip(item);
      say(`Uploading ${file.name}`);
      uploadFile(file, (f) => setProgress(item, f), item.controller.signal).then((meta) => {
        if (!items.includes(item)) return;
        rememberFile(meta);
        item.meta = meta;
        item.state = "ready";
        drawChip(item);
        say(`${meta.filename} attached`);
        changed();
      }, (err) => {
        if (err && err.name === "AbortError") return;
        if (items.includes(item)) fail(item, err.message);
      });
    }
    changed();
  }

  function fail(item, words) {
    item.state = "error";
    item.error = words;
    drawChip(item);
    say(`${item.file.name}: ${words}`);
    changed();
  }

  function remove(item, byHand) {
    const at = items.indexOf(item);
    if (at < 0) return;
    item.controller.abort();
    items.splice(at, 1);
    item.el.remove();
    // Not sent with any message yet: it goes from the server too (best effort).
    if (byHand && item.meta) api.del(`/api/files/${enc(item.meta.id)}`).catch(() => {});
    if (byHand) {
      say(`${item.meta ? item.meta.filename : item.file.name} removed`);
      const next = items[Math.min(at, items.length - 1)];
      if (next) next.el.querySelector(".chip-remove").focus();
      else (returnFocus || button).focus();
    }
    changed();
  }

  return {
    el,
    input,
    button,
    addFiles,
    busy: () => items.some((i) => i.state === "uploading"),
    ready: () => items.filter((i) => i.state === "ready").map((i) => i.meta),
    // Takes the chips away for a send; put them back with restore() if it fails.
    take() {
      const taken = items;
      items = [];
      clear(list);
      changed();
      return taken;
    },
    restore(taken) {
      items = [...taken.filter((i) => i.state !== "uploading"), ...items];
      list.replaceChildren(...items.map((i) => i.el));
      changed();
    },
    setWarning(text) {
      warning.textContent = text || "";
      warning.hidden = !text;
    },
    dispose() {
      for (const item of items) item.controller.abort();
    },
  };
}

// Images among files that only a model with vision can read.
export const needsVision = (meta) => VISION_TYPES.has(meta.mimeType);

// --- a stored message's attachments ----------------------------------------------
export function messageAttachments(fileIds) {
  const list = h("ul", { class: "msg-files", "aria-label": "Attachments" });
  for (const id of fileIds) {
    const item = h("li", { class: "msg-file" }, h("span", { class: "muted", text: "Loading attachment…" }));
    list.append(item);
    fileMeta(id).then((meta) => fillAttachment(item, id, meta), () => {
      item.replaceChildren(h("span", { class: "muted", text: "The attachment could not be loaded." }));
    });
  }
  return list;
}

function fillAttachment(item, id, meta) {
  if (!meta) {
    item.classList.add("is-removed");
    item.replaceChildren(h("span", { class: "chip-icon" }, icon("file")), h("span", { class: "muted", text: "file removed" }));
    return;
  }
  const url = contentUrl(id);
  if (PICTURE_TYPES.has(meta.mimeType)) {
    item.classList.add("is-picture");
    item.replaceChildren(h("a", { href: url, target: "_blank", rel: "noopener", class: "msg-picture", title: `${meta.filename} (opens in a new tab)` },
      h("img", { src: url, alt: meta.filename, loading: "lazy" })));
    return;
  }
  item.replaceChildren(
    h("a", { href: url, target: "_blank", rel: "noopener", class: "file-link", title: `${meta.filename} (opens in a new tab)` },
      icon("file"), h("span", { class: "file-name", text: meta.filename })),
    h("span", { class: "file-size", text: meta.sizeFormatted || "" }));
}
