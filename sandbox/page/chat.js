// The sandbox chat page. Plays one person at a time against the fake Bot API: it reads the
// person's timeline (their messages, the bot's messages and edits, answers to presses) by long
// polling, and sends text, button presses and files through the sandbox's control routes.
"use strict";

const ROLE_NAMES = { staff: "职工", head: "科室负责人", leader: "班子成员", office: "活动办",
                     supervisor: "督导组", commission: "委领导", public: "不在名单上" };
const HTML_TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre",
                           "a", "blockquote", "tg-spoiler"]);

const state = {
  people: [],
  current: null,        // telegram id of the person being played
  chats: new Map(),     // id -> {next, entries, keyboard, shown}
  baseline: new Map(),  // id -> timeline length when the page first saw it (unread counts)
  poll: null,           // AbortController of the running long poll
  keyboardFolded: false,
  stickToBottom: true,
};

const $ = (id) => document.getElementById(id);

function chatOf(id) {
  if (!state.chats.has(id)) state.chats.set(id, { next: 0, entries: [], keyboard: null, shown: 0 });
  return state.chats.get(id);
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function postJson(path, body) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" },
                     body: JSON.stringify(body) });
}

// ---- the roster ------------------------------------------------------------------------

async function loadPeople() {
  const { people } = await api("/sandbox/people");
  state.people = people;
  for (const person of people) {
    if (!state.baseline.has(person.id)) state.baseline.set(person.id, person.entries);
  }
  renderRoster();
}

function unread(person) {
  if (person.id === state.current) return 0;
  const seen = Math.max(state.baseline.get(person.id) || 0, chatOf(person.id).shown);
  return Math.max(0, person.entries - seen);
}

function roleText(person) {
  // Everyone is staff too; say so only of those who are nothing else.
  const roles = person.roles.length > 1 ? person.roles.filter((role) => role !== "staff") : person.roles;
  return roles.map((role) => ROLE_NAMES[role] || role).join("、");
}

function renderRoster() {
  const list = $("roster");
  const select = $("roster-select");
  list.replaceChildren();
  select.replaceChildren();
  let department = null;
  for (const person of state.people) {
    if (person.department !== department) {
      department = person.department;
      const heading = document.createElement("li");
      heading.className = "department";
      heading.textContent = department || "—";
      list.append(heading);
    }
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "person" + (person.id === state.current ? " current" : "");
    button.dataset.personId = person.id;
    button.dataset.name = person.name;
    const label = document.createElement("span");
    label.append(person.name + " ");
    const roles = document.createElement("span");
    roles.className = "roles";
    roles.textContent = roleText(person);
    label.append(roles);
    button.append(label);
    const count = unread(person);
    if (count) {
      const badge = document.createElement("span");
      badge.className = "unread";
      badge.textContent = count;
      button.append(badge);
    }
    button.addEventListener("click", () => choose(person.id));
    item.append(button);
    list.append(item);

    const option = document.createElement("option");
    option.value = person.id;
    option.textContent = `${person.name}（${person.department} · ${roleText(person)}）${count ? " •" + count : ""}`;
    option.selected = person.id === state.current;
    select.append(option);
  }
}

function choose(id) {
  if (state.current === id) return;
  state.current = id;
  const person = state.people.find((p) => p.id === id);
  $("who").textContent = person ? `你是 ${person.name} · ${person.department} · ${roleText(person)}` : "";
  $("commands").hidden = true;
  if (state.poll) state.poll.abort();
  renderChat(true);
  renderRoster();
  history.replaceState(null, "", `#${id}`);
}

// ---- the chat --------------------------------------------------------------------------

async function pollForever() {
  for (;;) {
    const id = state.current;
    if (id === null) { await sleep(300); continue; }
    const chat = chatOf(id);
    state.poll = new AbortController();
    try {
      const data = await api(`/sandbox/users/${id}/timeline?after=${chat.next}&wait=20`,
                             { signal: state.poll.signal });
      chat.entries.push(...data.entries);
      chat.next = data.next;
      chat.keyboard = data.keyboard;
      if (id === state.current) {
        for (const entry of data.entries) if (entry.kind === "answer") toast(entry.text, entry.show_alert);
        renderChat(false);
      }
    } catch (error) {
      if (error.name !== "AbortError") await sleep(1000);
    }
  }
}

function fold(entries) {
  // Edits replace a message where it stood; deletions remove it.
  const messages = new Map();
  entries.forEach((entry) => {
    // A press's pop-up vanishes in Telegram and is no part of the chat: shown, never kept.
    if (entry.kind === "deleted") messages.delete(`m${entry.message_id}`);
    else if (entry.kind !== "answer") {
      const key = `m${entry.message.message_id}`;
      const old = messages.get(key);
      messages.set(key, { ...entry, kind: old && entry.kind === "edited" ? old.kind : entry.kind });
    }
  });
  return [...messages.values()];
}

function renderChat(jump) {
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const chat = state.current === null ? null : chatOf(state.current);
  box.replaceChildren();
  if (chat) {
    for (const entry of fold(chat.entries)) box.append(bubble(entry));
    chat.shown = chat.next;
  }
  renderKeyboard(chat ? chat.keyboard : null);
  state.stickToBottom = jump || nearBottom;
  if (state.stickToBottom) box.scrollTop = box.scrollHeight;
}

function keepAtBottom() {
  // A photo takes its height only once loaded; follow it if the reader was at the bottom.
  if (state.stickToBottom) $("messages").scrollTop = $("messages").scrollHeight;
}

function bubble(entry) {
  const message = entry.message;
  const div = document.createElement("div");
  div.className = `msg ${entry.kind === "user" ? "user" : "bot"}`;
  div.dataset.messageId = message.message_id;
  if (message.photo) {
    const img = document.createElement("img");
    img.src = `/sandbox/files/${message.photo[message.photo.length - 1].file_id}?inline=1`;
    img.alt = "照片";
    img.addEventListener("load", keepAtBottom);
    div.append(img);
  }
  if (message.document) div.append(documentLink(message.document));
  const text = message.text ?? message.caption;
  if (text) {
    const body = document.createElement("div");
    body.className = "text";
    if (message.parse_mode === "HTML" && entry.kind !== "user") body.append(...telegramHtml(text));
    else body.textContent = text;
    div.append(body);
  }
  const buttons = (message.reply_markup || {}).inline_keyboard;
  if (buttons && buttons.length) div.append(inlineKeyboard(message.message_id, buttons));
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = (message.edited ? "已编辑 " : "") + clockText(message.date);
  div.append(meta);
  return div;
}

function documentLink(document_) {
  const link = document.createElement("a");
  link.className = "document";
  link.href = `/sandbox/files/${document_.file_id}`;
  link.download = document_.file_name || "file";
  const icon = document.createElement("span");
  icon.className = "icon";
  icon.textContent = "📄";
  const name = document.createElement("span");
  name.textContent = `${document_.file_name || "文件"}（${sizeText(document_.file_size)}）`;
  link.append(icon, name);
  return link;
}

// Telegram's HTML subset, rebuilt node by node: only its tags survive, everything else is text.
function telegramHtml(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  return [...parsed.body.childNodes].map(copyNode);
}

function copyNode(node) {
  if (node.nodeType !== Node.ELEMENT_NODE) return document.createTextNode(node.textContent);
  const tag = node.tagName.toLowerCase();
  const children = [...node.childNodes].map(copyNode);
  if (!HTML_TAGS.has(tag)) {
    const fragment = document.createDocumentFragment();
    fragment.append(...children);
    return fragment;
  }
  const element = document.createElement(tag === "tg-spoiler" ? "span" : tag);
  if (tag === "a") {
    const href = node.getAttribute("href") || "";
    if (/^(https?|tg):/i.test(href)) { element.href = href; element.target = "_blank"; element.rel = "noopener"; }
  }
  element.append(...children);
  return element;
}

function inlineKeyboard(messageId, rows) {
  const box = document.createElement("div");
  box.className = "inline";
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "inline-btn";
      b.textContent = button.text;
      if (button.callback_data !== undefined) {
        b.addEventListener("click", () => press(messageId, button.callback_data));
      } else if (button.url) {
        b.addEventListener("click", () => window.open(button.url, "_blank", "noopener"));
      }
      line.append(b);
    }
    box.append(line);
  }
  return box;
}

function renderKeyboard(keyboard) {
  const box = $("keyboard");
  box.replaceChildren();
  const rows = keyboard && !keyboard.remove_keyboard ? keyboard.keyboard || [] : [];
  $("keyboard-button").hidden = rows.length === 0;
  box.hidden = rows.length === 0 || state.keyboardFolded;
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const label = typeof button === "string" ? button : button.text;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "kb-btn";
      b.textContent = label;
      b.addEventListener("click", () => sendText(label));
      line.append(b);
    }
    box.append(line);
  }
}

// ---- acting as the person ---------------------------------------------------------------

async function sendText(text) {
  if (state.current === null || !text.trim()) return;
  await postJson(`/sandbox/users/${state.current}/text`, { text });
}

async function press(messageId, data) {
  try {
    await postJson(`/sandbox/users/${state.current}/press`, { message_id: messageId, data });
  } catch (error) {
    toast("这条消息已不存在");
  }
}

async function sendFile(file) {
  const form = new FormData();
  form.append("kind", file.type.startsWith("image/") ? "photo" : "document");
  const caption = $("text").value.trim();
  if (caption) form.append("caption", caption);
  form.append("file", file, file.name);
  $("text").value = "";
  fitComposer();
  const response = await fetch(`/sandbox/users/${state.current}/file`, { method: "POST", body: form });
  if (!response.ok) toast("文件没有发出去");
}

async function showCommands() {
  const box = $("commands");
  if (!box.hidden || state.current === null) { box.hidden = true; return; }
  const { commands } = await api(`/sandbox/users/${state.current}/commands`);
  box.replaceChildren();
  for (const command of commands) {
    const b = document.createElement("button");
    b.type = "button";
    b.append(`/${command.command}`);
    const description = document.createElement("span");
    description.className = "description";
    description.textContent = command.description;
    b.append(description);
    b.addEventListener("click", () => { box.hidden = true; sendText(`/${command.command}`); });
    box.append(b);
  }
  box.hidden = commands.length === 0;
}

// ---- the sandbox clock -------------------------------------------------------------------

async function showClock() {
  try {
    const { now } = await api("/sandbox/clock");
    $("clock").textContent = momentText(new Date(now));
  } catch (error) {
    $("clock").textContent = "（实时）";
  }
}

async function advance(by) {
  const buttons = [$("plus-day"), $("plus-week")];
  buttons.forEach((b) => { b.disabled = true; });
  $("clock").textContent = "拨快中…";
  try {
    const { now } = await postJson("/sandbox/clock", { by });
    $("clock").textContent = momentText(new Date(now));
    toast(by === "week" ? "已拨快一周：到期的提醒、督办、简报和回头看正在送达" : "已拨快一天");
  } catch (error) {
    toast("时间没有拨动：" + error.message);
    await showClock();
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// ---- small things ------------------------------------------------------------------------

const WEEKDAYS = "日一二三四五六";

function momentText(date) {
  const shanghai = new Date(date.getTime() + (date.getTimezoneOffset() + 480) * 60000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${shanghai.getFullYear()}-${pad(shanghai.getMonth() + 1)}-${pad(shanghai.getDate())} ` +
         `周${WEEKDAYS[shanghai.getDay()]} ${pad(shanghai.getHours())}:${pad(shanghai.getMinutes())}`;
}

function clockText(seconds) {
  return seconds ? momentText(new Date(seconds * 1000)).slice(5) : "";
}

function sizeText(bytes) {
  if (!bytes) return "";
  return bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

let toastTimer = null;
function toast(text, alert = false) {
  // An alert (show_alert) waits for 确定, as Telegram's does; a toast goes by itself.
  const box = $("toast");
  box.textContent = text;
  box.classList.toggle("alert", alert);
  box.hidden = false;
  clearTimeout(toastTimer);
  if (!alert) { toastTimer = setTimeout(() => { box.hidden = true; }, 3500); return; }
  const ok = document.createElement("button");
  ok.type = "button";
  ok.textContent = "确定";
  ok.addEventListener("click", () => { box.hidden = true; });
  box.append(ok);
}

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

function fitComposer() {
  const field = $("text");
  field.style.height = "auto";
  field.style.height = `${field.scrollHeight}px`;
}

// ---- start -------------------------------------------------------------------------------

async function start() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value;
    $("text").value = "";
    fitComposer();
    sendText(text);
  });
  // A message may have several lines (/survey: the command, then a question a line), as in
  // Telegram on a computer: Enter sends, Shift+Enter starts a new line; an input method's
  // Enter that picks a word is not a send.
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("text").addEventListener("input", fitComposer);
  $("file").addEventListener("change", (event) => {
    const [file] = event.target.files;
    if (file) sendFile(file);
    event.target.value = "";
  });
  $("menu-button").addEventListener("click", showCommands);
  $("keyboard-button").addEventListener("click", () => {
    state.keyboardFolded = !state.keyboardFolded;
    renderKeyboard(state.current === null ? null : chatOf(state.current).keyboard);
  });
  $("plus-day").addEventListener("click", () => advance("day"));
  $("plus-week").addEventListener("click", () => advance("week"));
  $("roster-select").addEventListener("change", (event) => choose(Number(event.target.value)));
  await loadPeople();
  const wanted = Number(location.hash.slice(1));
  const first = state.people.find((p) => p.id === wanted) || state.people[0];
  if (first) choose(first.id);
  showClock();
  setInterval(() => { loadPeople().catch(() => {}); showClock(); }, 2000);
  pollForever();
}

start();
