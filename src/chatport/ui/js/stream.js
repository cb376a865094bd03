// Reading the AI SDK UI message stream (SSE over fetch): `id:` lines are kept so
// that a dropped connection can resume after the last event seen.

import { send } from "./api.js";

// Calls onPart(part) for every JSON frame; resolves with {lastId, done} where done
// says whether the stream reached its [DONE] (otherwise the connection dropped).
export async function readStream(response, onPart, state = { lastId: null }) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let done = false;
  try {
    while (!done) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
      let cut;
      while (!done && (cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        done = handleBlock(block, onPart, state);
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return { lastId: state.lastId, done };
}

function handleBlock(block, onPart, state) {
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const key = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (key === "id") state.lastId = value;
    else if (key === "data") data.push(value);
  }
  if (data.length === 0) return false;
  const text = data.join("\n");
  if (text === "[DONE]") return true;
  let part;
  try {
    part = JSON.parse(text);
  } catch {
    return false;
  }
  onPart(part);
  return false;
}

// Follows one reply to its end: reads `response`, and when the connection drops
// before the end, re-attaches with Last-Event-ID (a few times, with a pause).
export async function followReply(chatId, response, onPart, signal) {
  const state = { lastId: null };
  let current = response;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    let result = { done: false };
    if (current) {
      try {
        result = await readStream(current, onPart, state);
      } catch (err) {
        if (signal && signal.aborted) return "aborted";
      }
    }
    if (result.done) return "done";
    if (signal && signal.aborted) return "aborted";
    await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
    const headers = state.lastId ? { "last-event-id": state.lastId } : {};
    try {
      current = await send("GET", `/api/chats/${encodeURIComponent(chatId)}/stream`, undefined, {
        signal,
        headers: { ...headers, accept: "text/event-stream" },
        raw: true,
      });
    } catch (err) {
      if (signal && signal.aborted) return "aborted";
      current = null;
      continue;
    }
    if (current.status === 204) return "gone";
  }
  return "lost";
}
