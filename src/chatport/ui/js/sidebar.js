// The sidebar: new chat, folders (create, rename, colour, collapse, delete), the
// chats (pinned first, paged in as the list scrolls), and the archive.

import { api, enc } from "./api.js";
import { h, field, icon, toast } from "./dom.js";
import { choiceDialog, confirmDialog, formDialog, promptDialog } from "./dialog.js";

const PAGE = 30;

export function sidebar(root, ctx) {
  let chats = [];
  let folders = [];
  let folderChats = new Map();
  let hasMore = true;
  let loading = false;
  let archived = false;
  let activeId = null;

  const folderList = h("ul", { class: "folder-list", "aria-label": "Folders" });
  const chatList = h("ul", { class: "chat-list", "aria-label": "Chats" });
  const sentinel = h("div", { class: "sentinel", "aria-hidden": "true" });
  const listTitle = h("h2", { class: "side-title", text: "Chats" });
  const archiveBtn = h("button", { type: "button", class: "secondary small", "aria-pressed": "false", text: "Show archived" });
  const scroller = h("nav", { class: "side-scroll", "aria-label": "Chat list" },
    h("div", { class: "side-section folders-section" },
      h("div", { class: "side-row" }, h("h2", { class: "side-title", text: "Folders" }),
        h("button", { type: "button", class: "small secondary", text: "+ Folder", "aria-label": "New folder", onclick: createFolder })),
      folderList),
    h("div", { class: "side-section" }, h("div", { class: "side-row" }, listTitle, archiveBtn), chatList, sentinel));
  root.replaceChildren(
    h("div", { class: "side-head" }, h("a", { href: "#/", class: "button primary new-chat", text: "+ New chat", onclick: () => ctx.closeSidebar() })),
    scroller);

  archiveBtn.addEventListener("click", () => {
    archived = !archived;
    archiveBtn.setAttribute("aria-pressed", String(archived));
    archiveBtn.textContent = archived ? "Back to chats" : "Show archived";
    listTitle.textContent = archived ? "Archived chats" : "Chats";
    reset();
  });

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore();
  }, { root: scroller, rootMargin: "200px" });
  observer.observe(sentinel);

  function sentinelVisible() {
    const box = scroller.getBoundingClientRect();
    return sentinel.getBoundingClientRect().top < box.bottom + 200;
  }

  // One list, two writers (paging and refresh): a refresh starts a new epoch and
  // any page still in flight from the old one is dropped.
  let epoch = 0;
  let refreshing = false;

  async function loadMore() {
    if (loading || refreshing || !hasMore) return;
    loading = true;
    const mine = epoch;
    try {
      const body = await api.get(`/api/chats?limit=${PAGE}&offset=${chats.length}${archived ? "&archived=true" : ""}`);
      if (mine !== epoch) return;
      const known = new Set(chats.map((c) => c.id));
      chats = chats.concat(body.chats.filter((c) => !known.has(c.id)));
      hasMore = body.chats.length === PAGE;
      drawChats();
    } catch (err) {
      hasMore = false;
      toast(err.message, "error");
    } finally {
      loading = false;
    }
    if (mine === epoch && hasMore && sentinelVisible()) loadMore();
  }

  async function reset() {
    epoch += 1;
    chats = [];
    hasMore = true;
    loading = false;
    refreshing = false;
    drawChats();
    await loadMore();
  }

  async function refresh() {
    epoch += 1;
    const mine = epoch;
    refreshing = true;
    const want = Math.min(100, Math.max(PAGE, chats.length));
    try {
      const [body, folderBody] = await Promise.all([
        api.get(`/api/chats?limit=${want}&offset=0${archived ? "&archived=true" : ""}`),
        api.get("/api/folders"),
      ]);
      folders = folderBody.folders;
      await loadFolderChats();
      if (mine !== epoch) return;
      chats = body.chats;
      hasMore = body.chats.length === want;
      drawFolders();
      drawChats();
      const current = chats.find((c) => c.id === activeId);
      if (current) ctx.titleChanged(current.id, current.title);
    } catch (err) {
      toast(err.message, "error");
    } finally {
      if (mine === epoch) refreshing = false;
    }
    if (mine === epoch && hasMore && sentinelVisible()) loadMore();
  }

  async function loadFolderChats() {
    const open = folders.filter((f) => !f.is_collapsed);
    const lists = await Promise.all(open.map((f) => api.get(`/api/folders/${enc(f.id)}/chats`).then((b) => b.chats)));
    folderChats = new Map(open.map((f, k) => [f.id, lists[k]]));
  }

  function chatItem(chat, { inFolder = false } = {}) {
    const name = chat.title || "New chat";
    const link = h("a", { href: `#/c/${enc(chat.id)}`, class: "chat-link", onclick: () => ctx.closeSidebar() },
      chat.pinnedAt ? h("span", { class: "pin", title: "Pinned" }, icon("pin"), h("span", { class: "offscreen-text", text: "Pinned: " })) : null,
      h("span", { class: "chat-name", text: name }));
    if (chat.id === activeId) link.setAttribute("aria-current", "page");
    return h("li", { class: `chat-item${inFolder ? " in-folder" : ""}`, dataset: { id: chat.id } }, link,
      h("button", { type: "button", class: "icon-button more", "aria-label": `Actions for chat ${name}`, title: "Chat actions", text: "⋯", onclick: () => chatActions(chat) }));
  }

  function drawChats() {
    const shown = archived ? chats : chats.filter((c) => !c.folderId);
    const items = shown.map((c) => chatItem(c));
    if (!items.length && !hasMore) items.push(h("li", { class: "muted", text: archived ? "No archived chats." : "No chats yet." }));
    chatList.replaceChildren(...items);
  }

  function drawFolders() {
    folderList.replaceChildren(...folders.map((f) => {
      const expanded = !f.is_collapsed;
      const toggle = h("button", { type: "button", class: "folder-toggle", "aria-expanded": String(expanded),
        onclick: () => toggleFolder(f) }, h("span", { class: "caret", "aria-hidden": "true", text: expanded ? "▾" : "▸" }),
        h("span", { class: "swatch", "aria-hidden": "true" }), h("span", { class: "folder-name", text: f.name }));
      const item = h("li", { class: "folder", dataset: { id: f.id } },
        h("div", { class: "folder-head" }, toggle,
          h("button", { type: "button", class: "icon-button more", "aria-label": `Actions for folder ${f.name}`, title: "Folder actions", text: "⋯", onclick: () => folderActions(f) })),
        expanded ? h("ul", { class: "folder-chats" }, (folderChats.get(f.id) || []).map((c) => chatItem(c, { inFolder: true }))) : null);
      if (f.color) item.style.setProperty("--folder-color", f.color);
      return item;
    }));
  }

  async function toggleFolder(folder) {
    try {
      await api.post(`/api/folders/${enc(folder.id)}/toggle`);
      await refresh();
      folderList.querySelector(`li[data-id="${CSS.escape(folder.id)}"] .folder-toggle`)?.focus();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  async function createFolder() {
    const name = await promptDialog("New folder", "Folder name", "", { maxLength: 50 });
    if (!name) return;
    try {
      await api.post("/api/folders", { name });
      await refresh();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  async function folderActions(folder) {
    const choice = await choiceDialog(`Folder “${folder.name}”`, [["rename", "Rename"], ["color", "Colour"], ["delete", "Delete folder", "danger"]]);
    try {
      if (choice === "rename") {
        const name = await promptDialog("Rename folder", "Folder name", folder.name, { maxLength: 50 });
        if (name) await api.put(`/api/folders/${enc(folder.id)}`, { name });
      } else if (choice === "color") {
        const input = h("input", { type: "color", value: folder.color || "#2f6fde" });
        const none = h("input", { type: "checkbox", checked: !folder.color });
        input.addEventListener("input", () => { none.checked = false; });
        const body = h("div", { class: "stack" }, field("Colour", input), h("label", { class: "check" }, none, " No colour"));
        if (await formDialog("Folder colour", body)) await api.put(`/api/folders/${enc(folder.id)}`, { color: none.checked ? null : input.value });
      } else if (choice === "delete") {
        if (await confirmDialog("Delete folder", `Delete the folder “${folder.name}”? Its chats stay, outside any folder.`, "Delete", true)) {
          await api.del(`/api/folders/${enc(folder.id)}`);
        }
      } else return;
      await refresh();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  async function chatActions(chat) {
    const name = chat.title || "New chat";
    const isArchived = Boolean(chat.archivedAt) || archived;
    const choices = [
      ["rename", "Rename"],
      [chat.pinnedAt ? "unpin" : "pin", chat.pinnedAt ? "Unpin" : "Pin"],
      ["move", "Move to folder"],
      [isArchived ? "restore" : "archive", isArchived ? "Restore from archive" : "Archive"],
      ["delete", "Delete chat", "danger"],
    ];
    const choice = await choiceDialog(`Chat “${name}”`, choices);
    const base = `/api/chats/${enc(chat.id)}`;
    try {
      if (choice === "rename") {
        const title = await promptDialog("Rename chat", "Title", chat.title || "", { maxLength: 200 });
        if (!title) return;
        await api.patch(base, { title });
      } else if (choice === "pin") await api.post(`${base}/pin`);
      else if (choice === "unpin") await api.del(`${base}/pin`);
      else if (choice === "archive") await api.post(`${base}/archive`);
      else if (choice === "restore") await api.del(`${base}/archive`);
      else if (choice === "move") {
        const select = h("select", {}, h("option", { value: "none", text: "No folder" }),
          folders.map((f) => h("option", { value: f.id, text: f.name, selected: f.id === chat.folderId })));
        if (!(await formDialog("Move chat", field("Folder", select), "Move"))) return;
        await api.put(`/api/folders/${enc(select.value)}/chats/${enc(chat.id)}`);
      } else if (choice === "delete") {
        if (!(await confirmDialog("Delete chat", `Delete “${name}” and all its messages?`, "Delete", true))) return;
        await api.del(base);
        if (chat.id === activeId) window.location.hash = "#/";
      } else return;
      await refresh();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  refresh();

  return {
    refresh,
    setActive(id) {
      activeId = id;
      for (const a of root.querySelectorAll(".chat-link")) {
        if (a.closest("li").dataset.id === id) a.setAttribute("aria-current", "page");
        else a.removeAttribute("aria-current");
      }
    },
  };
}
