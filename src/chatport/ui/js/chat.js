// The chat view: history, model picker, composer with dictation and attachments, and replies
// streamed token by token (re-attached after a reload while one runs).

import { api, send, enc, ApiError } from "./api.js";
import { h, append, clear, toast } from "./dom.js";
import { renderMarkdown, copyText } from "./markdown.js";
import { followReply } from "./stream.js";
import { dictationControls } from "./dictation.js";
import { modelSelect, modelRefs } from "./models.js";
import { attachmentTray, messageAttachments, needsVision } from "./attachments.js";
import { confirmDialog } from "./dialog.js";
import { prefs } from "./prefs.js";

export function newMessageId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const STATUS_WORDS = {
  failed: "The reply failed.",
  cancelled: "Stopped.",
};

export function chatView(main, initialChatId, ctx) {
  let chatId = initialChatId;
  let messages = [];
  let controller = null;
  let streaming = false;
  let disposed = false;

  const title = h("h2", { class: "chat-title", text: "New chat" });
  const log = h("div", { class: "messages", role: "log", "aria-label": "Messages", tabindex: "0" });
  const empty = h("p", { class: "empty-chat", text: "Ask anything. Enter sends, Shift+Enter starts a new line." });
  const picker = modelSelect(ctx.models(), prefs().defaultModel, "Model");
  const composer = h("textarea", { class: "composer-input", rows: "2", placeholder: "Write a message…", "aria-label": "Message" });
  const dict = dictationControls(composer);
  const sendBtn = h("button", { type: "submit", class: "primary send", text: "Send" });
  const stopBtn = h("button", { type: "button", class: "danger stop", text: "Stop", hidden: true, "aria-label": "Stop the reply" });
  const errorBar = h("div", { class: "chat-error", role: "alert" });
  const tray = attachmentTray({ onChange: () => updateSendState(), returnFocus: composer });
  const form = h("form", { class: "composer", "aria-label": "Send a message" },
    errorBar,
    tray.el,
    composer,
    tray.input,
    h("div", { class: "composer-bar" },
      h("div", { class: "composer-tools" }, tray.button, dict.button, dict.select, picker),
      h("div", { class: "composer-send" }, stopBtn, sendBtn)),
    dict.statusEl);

  const section = h("section", { class: "chat", "aria-labelledby": "chat-title" },
    h("div", { class: "chat-head" }, title), log, form);
  clear(main).append(section);
  title.id = "chat-title";

  // fromTray: the error is about the attachments, and goes once they are fixed.
  const showError = (text, fromTray = false) => {
    errorBar.textContent = text || "";
    errorBar.hidden = !text;
    errorBar.dataset.fromTray = text && fromTray ? "yes" : "";
  };
  showError("");

  // The chosen model, as /api/models describes it (null when none is).
  const chosenModel = () => modelRefs(ctx.models()).find((m) => m.ref === picker.value) || null;

  // Why the attached images cannot go to the chosen model, or "".
  function visionProblem(files = tray.ready()) {
    const model = chosenModel();
    if (!model || (model.metadata && model.metadata.supports_vision)) return "";
    const images = files.filter(needsVision);
    if (!images.length) return "";
    const which = images.length === 1 ? "the image" : "the images";
    return `${model.display_name} (${model.model_id}) cannot read images: choose a model with vision, or remove ${which} before sending.`;
  }

  function updateSendState() {
    const uploading = tray.busy();
    sendBtn.disabled = streaming || uploading;
    sendBtn.title = uploading ? "Wait for the files to finish uploading" : "";
    form.classList.toggle("is-uploading", uploading);
    const problem = visionProblem();
    tray.setWarning(problem);
    if (errorBar.dataset.fromTray && !uploading && !problem) showError("");
  }

  const setStreaming = (on) => {
    streaming = on;
    stopBtn.hidden = !on;
    form.classList.toggle("is-streaming", on);
    updateSendState();
    drawActions();
  };

  // --- rendering -------------------------------------------------------------
  function bodyOf(msg) {
    if (msg.role === "assistant") return renderMarkdown(msg.content);
    return [
      msg.content ? h("p", { class: "plain", text: msg.content }) : null,
      msg.fileIds && msg.fileIds.length ? messageAttachments(msg.fileIds) : null];
  }

  function drawMessage(msg) {
    const el = msg.el || h("article", { class: `msg msg-${msg.role}` });
    msg.el = el;
    el.dataset.status = msg.status || "complete";
    if (msg.id) el.dataset.id = msg.id;
    const who = msg.role === "user" ? "You" : msg.role === "assistant" ? "Assistant" : "System";
    const body = h("div", { class: "msg-body" }, bodyOf(msg));
    if (msg.role === "assistant" && msg.status === "streaming" && !msg.content) body.append(h("span", { class: "typing", "aria-label": "The reply is coming", text: "…" }));
    const note = msg.error || STATUS_WORDS[msg.status];
    el.setAttribute("aria-busy", msg.status === "streaming" ? "true" : "false");
    append(clear(el), [
      h("div", { class: "msg-meta" }, h("span", { class: "msg-role", text: who }), msg.model && msg.role === "assistant" ? h("span", { class: "msg-model", text: msg.model }) : null),
      body,
      note ? h("p", { class: "msg-note", text: msg.error ? `${msg.error} ${adviceFor(msg.error)}` : note }) : null,
      h("div", { class: "msg-actions" })]);
    drawMessageActions(msg);
    return el;
  }

  let pending = 0;
  function redrawSoon(msg) {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      drawMessage(msg);
      stickToBottom();
    });
  }

  function drawMessageActions(msg) {
    const bar = msg.el.querySelector(".msg-actions");
    const last = [...messages].reverse().find((m) => m.role === "assistant");
    const done = msg.status !== "streaming";
    append(clear(bar), [
      h("button", { type: "button", class: "small", text: "Copy", "aria-label": `Copy this ${msg.role === "user" ? "message" : "reply"}`, onclick: async () => toast((await copyText(msg.content)) ? "Copied" : "Copy failed", "info") }),
      msg === last && done && !streaming ? h("button", { type: "button", class: "small", text: "Regenerate", "aria-label": "Regenerate the last reply", onclick: regenerate }) : null,
      msg.id && done && !streaming ? h("button", { type: "button", class: "small danger-text", text: "Delete", "aria-label": "Delete this message", onclick: () => removeMessage(msg) }) : null]);
  }

  function drawActions() {
    for (const msg of messages) if (msg.el) drawMessageActions(msg);
  }

  function drawAll() {
    log.replaceChildren(...(messages.length ? messages.map(drawMessage) : [empty]));
    stickToBottom(true);
  }

  function stickToBottom(force = false) {
    const near = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
    if (force || near) log.scrollTop = log.scrollHeight;
  }

  function addMessage(msg) {
    if (!messages.length) log.replaceChildren();
    messages.push(msg);
    log.append(drawMessage(msg));
    drawActions();
    stickToBottom(true);
  }

  // --- streaming -------------------------------------------------------------
  async function follow(response, msg) {
    controller = new AbortController();
    setStreaming(true);
    const onPart = (part) => {
      if (part.type === "start") {
        if (part.messageId) msg.id = part.messageId;
        msg.content = "";
        msg.status = "streaming";
        msg.error = null;
      } else if (part.type === "text-delta") {
        msg.content += part.delta || "";
      } else if (part.type === "error") {
        msg.error = part.errorText || "The reply failed.";
        msg.status = "failed";
      } else if (part.type === "abort") {
        msg.status = "cancelled";
      } else if (part.type === "finish") {
        if (part.finishReason === "error") msg.status = "failed";
        else if (msg.status === "streaming") msg.status = "complete";
      }
      redrawSoon(msg);
    };
    let outcome = "aborted";
    try {
      outcome = await followReply(chatId, response, onPart, controller.signal);
    } finally {
      controller = null;
      if (!disposed) {
        setStreaming(false);
        if (outcome !== "done" && outcome !== "aborted") await reload();
        else drawMessage(msg);
        ctx.onChatsChanged();
      }
    }
  }

  async function ensureChat() {
    if (chatId) return chatId;
    const chat = await api.post("/api/chats", {});
    chatId = chat.id;
    const systemPrompt = prefs().systemPrompt;
    if (systemPrompt) await api.patch(`/api/chats/${enc(chatId)}`, { systemPrompt });
    ctx.adopt(chatId);
    return chatId;
  }

  async function sendMessage() {
    const text = composer.value;
    if (streaming) return;
    if (tray.busy()) {
      showError("Please wait until the files finish uploading, then send.", true);
      return;
    }
    const files = tray.ready();
    if (!text.trim() && !files.length) return;
    const model = picker.value;
    if (!model) {
      showError("No model is available. An admin can add a provider and enable its models in the admin area.");
      return;
    }
    const problem = visionProblem(files);
    if (problem) {
      showError(problem, true);
      return;
    }
    showError("");
    dict.stop();
    try {
      await ensureChat();
    } catch (err) {
      showError(err.message);
      return;
    }
    const fileIds = files.map((f) => f.id);
    const userMsg = { id: newMessageId(), role: "user", content: text, status: "complete", fileIds: fileIds.length ? fileIds : null };
    const reply = { id: null, role: "assistant", content: "", status: "streaming", model };
    composer.value = "";
    const taken = tray.take();
    addMessage(userMsg);
    addMessage(reply);
    setStreaming(true);
    const outgoing = { role: "user", id: userMsg.id, content: text };
    if (fileIds.length) outgoing.fileIds = fileIds;
    let response;
    try {
      response = await send("POST", `/api/chats/${enc(chatId)}/completion`,
        { model, messages: [outgoing] },
        { raw: true, headers: { accept: "text/event-stream" } });
    } catch (err) {
      setStreaming(false);
      showError(err.message);
      await reload();
      if (!messages.some((m) => m.id === userMsg.id)) {
        composer.value = text;
        tray.restore(taken);
      }
      return;
    }
    ctx.onChatsChanged();
    await follow(response, reply);
  }

  async function regenerate() {
    const last = [...messages].reverse().find((m) => m.role === "assistant");
    if (!last || streaming) return;
    showError("");
    const model = picker.value || undefined;
    setStreaming(true);
    let response;
    try {
      response = await send("POST", `/api/chats/${enc(chatId)}/regenerate`, { model }, { raw: true, headers: { accept: "text/event-stream" } });
    } catch (err) {
      setStreaming(false);
      showError(err.message);
      return;
    }
    Object.assign(last, { content: "", status: "streaming", error: null, model: model || last.model });
    drawMessage(last);
    await follow(response, last);
  }

  async function stop() {
    stopBtn.disabled = true;
    try {
      await api.post(`/api/chats/${enc(chatId)}/stop`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) showError(err.message);
    } finally {
      stopBtn.disabled = false;
    }
  }

  async function removeMessage(msg) {
    const ok = await confirmDialog("Delete message", "Delete this message? This cannot be undone.", "Delete", true);
    if (!ok) return;
    try {
      await api.del(`/api/chats/${enc(chatId)}/messages/${enc(msg.id)}`);
      messages = messages.filter((m) => m !== msg);
      drawAll();
    } catch (err) {
      showError(err.message);
    }
  }

  async function reload() {
    if (!chatId) return;
    const body = await api.get(`/api/chats/${enc(chatId)}/messages?limit=500`);
    messages = body.messages.map((m) => ({ ...m, error: m.status === "failed" && m.metadata && m.metadata.error ? m.metadata.error : null }));
    drawAll();
  }

  async function load() {
    if (!chatId) {
      drawAll();
      return;
    }
    try {
      const chat = await api.get(`/api/chats/${enc(chatId)}`);
      title.textContent = chat.title || "New chat";
      await reload();
    } catch (err) {
      showError(err.status === 404 ? "This chat does not exist or was deleted." : err.message);
      return;
    }
    const running = messages.length && messages[messages.length - 1];
    if (running && running.role === "assistant" && running.status === "streaming") await attach(running);
  }

  async function attach(msg) {
    let response;
    try {
      response = await send("GET", `/api/chats/${enc(chatId)}/stream`, undefined, { raw: true, headers: { accept: "text/event-stream" } });
    } catch (err) {
      showError(err.message);
      return;
    }
    if (response.status === 204) {
      await reload();
      return;
    }
    await follow(response, msg);
  }

  // --- events ----------------------------------------------------------------
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendMessage();
  });
  composer.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && prefs().sendOnEnter !== false) {
      event.preventDefault();
      sendMessage();
    }
  });
  stopBtn.addEventListener("click", stop);
  picker.addEventListener("change", updateSendState);

  // Files dropped on the chat (the composer lights up), or images pasted into the
  // message box.
  const hasFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");
  let dragDepth = 0;
  section.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth += 1;
    form.classList.add("is-dragging");
  });
  section.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  section.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) form.classList.remove("is-dragging");
  });
  section.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    form.classList.remove("is-dragging");
    if (event.dataTransfer.files.length) tray.addFiles([...event.dataTransfer.files]);
  });
  composer.addEventListener("paste", (event) => {
    const data = event.clipboardData;
    if (!data) return;
    const images = [...data.files].filter((f) => f.type.startsWith("image/"));
    if (!images.length) return;
    // A picture copied from a page comes with its text too: that text still pastes.
    if (!data.types.includes("text/plain")) event.preventDefault();
    tray.addFiles(images);
  });

  load();
  composer.focus();
  return {
    setTitle(text) {
      title.textContent = text || "New chat";
    },
    dispose() {
      disposed = true;
      dict.stop();
      tray.dispose();
      if (controller) controller.abort();
    },
  };
}

function adviceFor(error) {
  if (/key|401|unauthori[sz]ed/i.test(error)) return "Check the provider's API key in the settings (your own key) or ask an admin.";
  if (/rate|429|too many/i.test(error)) return "The provider is limiting requests: wait a moment and regenerate.";
  return "You can regenerate the reply or pick another model.";
}
