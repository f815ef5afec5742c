// The chat widget: its DOM, its state and the socket.io conversation with Rasa.
// Protocol and behaviour: web/README.md.

import { io } from "socket.io-client";
import { h, sr, richText } from "./dom.js";
import { translator } from "./strings.js";

export const STORAGE_KEY = "clinicChat.session";
const TYPING_SETTLE_MS = 1000;
const TYPING_MAX_MS = 20000;
const RETRY_MS = 3000;
// A continued conversation's history follows its session_confirm: messages typed
// meanwhile wait for it (or this long), so that they come after it and only once.
const HISTORY_WAIT_MS = 1500;
// bot/channels/checks.py MAX_MESSAGE_CHARS
const MAX_MESSAGE_CHARS = 20000;

// localStorage may be missing or throw (storage disabled, some private modes): the
// chat then works for the page's lifetime only.
const store = {
  get() {
    try {
      return window.localStorage.getItem(STORAGE_KEY);
    } catch (e) {
      return null;
    }
  },
  set(value) {
    try {
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch (e) {
      /* not kept: the conversation lasts as long as the page */
    }
  },
  clear() {
    try {
      window.localStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* nothing was kept */
    }
  },
};

const SVG = "http://www.w3.org/2000/svg";
function icon(d) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "cw-icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  svg.append(path);
  return svg;
}
const CHAT_ICON = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
const CLOSE_ICON = "M6 6l12 12M18 6L6 18";

/** The buttons of a bot message: quick_replies (Rasa's socket.io) or buttons. */
function repliesOf(m) {
  const list = Array.isArray(m.quick_replies) && m.quick_replies.length ? m.quick_replies : m.buttons;
  if (!Array.isArray(list)) return [];
  return list
    .filter((r) => r && (typeof r.title === "string" || typeof r.payload === "string"))
    .map((r) => {
      const title = String(r.title != null ? r.title : r.payload);
      return { title, payload: String(r.payload != null ? r.payload : title) };
    });
}

/** A socket.io base and path from data-server ("https://host/prefix" -> /prefix/socket.io). */
function endpoint(server) {
  let url = null;
  try {
    url = new URL(server);
    if (!/^(https?|wss?):$/.test(url.protocol)) url = null;
  } catch (e) {
    url = null;
  }
  if (!url) {
    // eslint-disable-next-line no-console
    console.warn("clinic chat: data-server is not an http(s) URL; using this page's origin");
    url = new URL(window.location.href);
  }
  return { base: url.origin, path: url.pathname.replace(/\/+$/, "") + "/socket.io" };
}

export function createWidget({ server, lang }) {
  const t = translator(lang);
  const { base, path } = endpoint(server);

  // The server-issued session token; kept in localStorage only once the visitor
  // has sent a message (`consented`).
  let token = store.get();
  let consented = !!token;
  let socket = null;
  let ready = false; // connected, session confirmed (and its history in): messages go out
  let queue = []; // {message, shown, row}: typed while not ready, sent in order once ready
  let unread = 0;
  let advisor = null; // null: the assistant answers; a string: an advisor ("" unnamed)
  let typingSettle = 0;
  let typingMax = 0;
  let announceTimer = 0;
  let historyWait = 0;

  // ---- DOM -------------------------------------------------------------------
  // The name comes from the content (visible "Chat" + the rest for screen readers),
  // so the visible label is always part of the name (WCAG 2.5.3).
  const badge = h("span", { class: "cw-badge", "data-testid": "cw-badge", "aria-hidden": "true", hidden: true });
  const unreadText = sr("");
  const launcher = h(
    "button",
    {
      type: "button",
      class: "cw-launcher",
      id: "cw-launcher",
      "data-testid": "cw-launcher",
      "aria-expanded": "false",
      "aria-controls": "cw-panel",
      onclick: () => (panel.hidden ? open() : close()),
    },
    icon(CHAT_ICON),
    h("span", { class: "cw-launcher-text" }, t("launcher")),
    sr(t("launcherMore")),
    badge,
    unreadText
  );

  const status = h("p", { class: "cw-status", id: "cw-status", "data-testid": "cw-status" }, t("statusBot"));
  const header = h(
    "div",
    { class: "cw-head" },
    h("div", { class: "cw-head-text" }, h("h2", { class: "cw-title", id: "cw-title" }, t("title")), status),
    h(
      "button",
      { type: "button", class: "cw-close", "data-testid": "cw-close", "aria-label": t("close"), onclick: () => close() },
      icon(CLOSE_ICON)
    )
  );

  const tel = (n) => h("a", { href: "tel:" + n, class: "cw-tel" }, n);
  const emergency = h(
    "p",
    { class: "cw-emergency", id: "cw-emergency", "data-testid": "cw-emergency" },
    h("span", { class: "cw-emergency-label" }, t("emergency")),
    " ",
    tel("112"),
    " / ",
    tel("144"),
    " / ",
    tel("911")
  );

  const offline = h("div", { class: "cw-offline", id: "cw-offline", "data-testid": "cw-offline", role: "alert", hidden: true });

  const log = h("div", {
    class: "cw-log",
    id: "cw-log",
    "data-testid": "cw-log",
    role: "log",
    "aria-live": "polite",
    "aria-label": t("messages"),
  });
  const typing = h(
    "div",
    { class: "cw-typing", id: "cw-typing", "data-testid": "cw-typing", hidden: true },
    h("span", { class: "cw-dots", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
    h("span", { class: "cw-typing-text" }, t("typing"))
  );
  // Scrollable, so focusable (keyboard scrolling); the log inside is the live region.
  const scroller = h(
    "div",
    { class: "cw-scroll", tabindex: "0", role: "region", "aria-label": t("logLabel") },
    h("div", { class: "cw-intro" }, h("p", null, t("intro")), h("p", { class: "cw-privacy" }, t("privacy"))),
    log,
    typing
  );

  const input = h("textarea", {
    id: "cw-input",
    "data-testid": "cw-input",
    class: "cw-input",
    rows: "1",
    maxlength: String(MAX_MESSAGE_CHARS),
    placeholder: t("placeholder"),
    autocomplete: "off",
    enterkeyhint: "send",
    onkeydown: (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.isComposing) {
        e.preventDefault();
        submit();
      }
    },
  });
  const form = h(
    "form",
    {
      class: "cw-form",
      onsubmit: (e) => {
        e.preventDefault();
        submit();
      },
    },
    h("label", { for: "cw-input", class: "cw-sr" }, t("inputLabel")),
    input,
    h("button", { type: "submit", class: "cw-send", id: "cw-send", "data-testid": "cw-send" }, t("send"))
  );

  const clearBtn = h(
    "button",
    { type: "button", class: "cw-clear", id: "cw-clear", "data-testid": "cw-clear", onclick: () => askClear() },
    t("clear")
  );
  const noBtn = h(
    "button",
    { type: "button", class: "cw-btn", "data-testid": "cw-clear-cancel", onclick: () => hideConfirm(true) },
    t("confirmNo")
  );
  const confirmBox = h(
    "div",
    {
      class: "cw-confirm",
      role: "alertdialog",
      "aria-labelledby": "cw-confirm-q",
      "aria-describedby": "cw-confirm-d",
      "data-testid": "cw-confirm",
      hidden: true,
    },
    h("p", { class: "cw-confirm-q", id: "cw-confirm-q" }, t("confirmQuestion")),
    h("p", { id: "cw-confirm-d" }, t("confirmDetail")),
    h(
      "div",
      { class: "cw-confirm-actions" },
      h(
        "button",
        { type: "button", class: "cw-btn cw-btn-danger", "data-testid": "cw-clear-confirm", onclick: () => endAndClear() },
        t("confirmYes")
      ),
      noBtn
    )
  );

  const panel = h(
    "div",
    { class: "cw-panel", id: "cw-panel", "data-testid": "cw-panel", role: "dialog", "aria-labelledby": "cw-title", hidden: true },
    header,
    emergency,
    offline,
    scroller,
    form,
    h("div", { class: "cw-foot" }, clearBtn, confirmBox)
  );

  // Announcements that are not messages (typing, chat cleared); outside the panel so
  // they are heard with the panel closed too.
  const announcer = h("div", { class: "cw-sr", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  // The description of every link in a message (its text stays the message's own).
  const newTab = h("span", { id: "cw-newtab", hidden: true }, t("newTab"));

  const root = h(
    "div",
    { class: "cw-root", id: "cw-root", lang, dir: "ltr" },
    launcher,
    panel,
    announcer,
    newTab
  );

  root.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || panel.hidden) return;
    e.preventDefault();
    if (!confirmBox.hidden) hideConfirm(true);
    else close();
  });

  // Another tab ended and cleared the chat (shared device): clear this one too.
  window.addEventListener("storage", (e) => {
    if ((e.key === STORAGE_KEY || e.key === null) && consented && !store.get()) {
      const wasOpen = !panel.hidden;
      reset();
      if (wasOpen) close();
    }
  });

  // ---- open / close ----------------------------------------------------------
  function open() {
    if (!panel.hidden) return;
    panel.hidden = false;
    root.classList.add("cw-is-open");
    launcher.setAttribute("aria-expanded", "true");
    setUnread(0);
    connect();
    scrollDown();
    input.focus();
  }

  function close() {
    if (panel.hidden) return;
    hideConfirm(false);
    panel.hidden = true;
    root.classList.remove("cw-is-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function setUnread(n) {
    unread = n;
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
    unreadText.textContent = n === 0 ? "" : n === 1 ? t("unread1") : t("unreadN", { n });
  }

  function announce(text) {
    clearTimeout(announceTimer);
    announcer.textContent = "";
    // A short pause so that the same text is announced again.
    announceTimer = setTimeout(() => {
      announcer.textContent = text;
      announceTimer = setTimeout(() => (announcer.textContent = ""), 5000);
    }, 100);
  }

  function scrollDown() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  // ---- connection --------------------------------------------------------------
  function connect() {
    if (socket) return;
    const s = io(base, {
      path,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      forceNew: true,
    });
    socket = s;
    const retry = () =>
      setTimeout(() => {
        if (socket === s && !s.connected) s.connect();
      }, RETRY_MS);
    s.on("connect", () => {
      ready = false;
      clearTimeout(historyWait);
      setOffline(false);
      s.emit("session_request", { session_id: token || null });
    });
    s.on("connect_error", () => {
      ready = false;
      setOffline(true);
      if (!s.active) retry(); // refused by the server: socket.io does not retry then
    });
    s.on("disconnect", (reason) => {
      ready = false;
      if (socket !== s) return;
      setOffline(true);
      if (reason === "io server disconnect") retry();
    });
    s.on("session_confirm", onSessionConfirm);
    s.on("history", onHistory);
    s.on("bot_uttered", onBotUttered);
  }

  function setOffline(on) {
    if (on !== offline.hidden) return;
    offline.hidden = !on;
    offline.textContent = on ? t("offline") : "";
    if (on) hideTyping();
  }

  function onSessionConfirm(id) {
    if (typeof id !== "string" || !id) return;
    const continuing = !!token && id === token;
    if (token && !continuing) {
      // Not the conversation asked for (expired, altered, unknown): a new one.
      for (const row of [...log.children]) if (!row.cwPending) row.remove();
      setAdvisor(null);
    } else {
      // What is shown now is replaced by the history, if the server sends one.
      for (const row of log.children) if (!row.cwPending) row.cwStale = true;
    }
    token = id;
    if (consented) store.set(token);
    clearTimeout(historyWait);
    if (continuing) historyWait = setTimeout(goReady, HISTORY_WAIT_MS);
    else goReady();
  }

  /** Sends what was typed while not ready, in order; new messages go straight out. */
  function goReady() {
    clearTimeout(historyWait);
    if (!socket || !socket.connected || !token) return;
    ready = true;
    while (queue.length) {
      const q = queue.shift();
      emit(q.message, q.shown);
      setPending(q.row, false);
    }
  }

  function onHistory(data) {
    const messages = data && Array.isArray(data.messages) ? data.messages : [];
    for (const row of [...log.children]) if (row.cwStale) row.remove();
    // Messages typed since the session was confirmed stay after the history.
    const anchor = log.firstElementChild;
    setAdvisor(null);
    for (const m of messages) {
      if (!m || typeof m !== "object") continue;
      if (m.sender === "user") {
        if (typeof m.text === "string" && m.text) log.insertBefore(message("user", m.text), anchor);
      } else {
        renderBot(m, anchor);
      }
    }
    refresh();
    scrollDown();
    goReady();
  }

  function onBotUttered(data) {
    // Counted unread: every event that shows something (an advisor joining too).
    const shown = renderBot(data, null);
    refresh();
    if (shown && panel.hidden) setUnread(unread + 1);
    if (!typing.hidden) {
      clearTimeout(typingSettle);
      typingSettle = setTimeout(hideTyping, TYPING_SETTLE_MS);
    }
    scrollDown();
  }

  /** Puts a bot or advisor event in the log (before `anchor`); true if it showed anything. */
  function renderBot(data, anchor) {
    const m = typeof data === "string" ? { text: data } : data && typeof data === "object" ? data : {};
    const name = typeof m.advisor === "string" && m.advisor.trim() ? m.advisor.trim() : null;
    if (m.handoff === "joined") {
      setAdvisor(name || "");
      log.insertBefore(notice(name ? t("joined", { name }) : t("joinedAnon")), anchor);
    } else if (m.handoff === "ended") {
      setAdvisor(null);
      log.insertBefore(notice(t("ended")), anchor);
    } else if (name && advisor !== name) {
      setAdvisor(name);
    }
    const text = typeof m.text === "string" ? m.text : "";
    const replies = repliesOf(m);
    if (!text.trim() && !replies.length) return m.handoff === "joined" || m.handoff === "ended";
    // A handoff event's text announces the change (the system's words, not the advisor's).
    const sender = name && !m.handoff ? "advisor" : "bot";
    log.insertBefore(message(sender, text, name, replies), anchor);
    return true;
  }

  function setAdvisor(name) {
    advisor = name;
    status.textContent = name == null ? t("statusBot") : t("statusAdvisor", { name: name || t("anAdvisor") });
    root.classList.toggle("cw-with-advisor", name != null);
    if (name != null) hideTyping();
  }

  // ---- messages ----------------------------------------------------------------
  /**
   * A row of the log: the sender's name, then the message element (data-sender; its
   * text is exactly the message's, followed by its buttons), then a pending note.
   */
  function message(sender, text, name, replies) {
    const label = sender === "user" ? t("you") : sender === "advisor" ? name || t("advisor") : t("bot");
    const el = h(
      "div",
      { class: "cw-msg cw-msg-" + sender, "data-sender": sender },
      h("div", { class: "cw-bubble" }, richText(text, "cw-newtab"))
    );
    const row = h("div", { class: "cw-row cw-row-" + sender }, h("span", { class: "cw-from" }, label, sr(": ")), el);
    row.cwSender = sender;
    row.cwFrom = sender + ":" + label;
    if (replies && replies.length) {
      el.append(
        h(
          "div",
          { class: "cw-buttons", role: "group", "aria-label": t("replies") },
          replies.map((r) => {
            const b = h("button", { type: "button", class: "cw-reply" }, r.title);
            b.addEventListener("click", () => {
              if (b.disabled) return;
              b.classList.add("cw-chosen");
              send(r.payload, r.title);
              // The buttons are disabled now: focus stays in the conversation.
              scroller.focus({ preventScroll: true });
            });
            return b;
          })
        )
      );
    }
    return row;
  }

  function notice(text) {
    const row = h(
      "div",
      { class: "cw-row cw-row-system" },
      h("p", { class: "cw-msg cw-msg-system", "data-sender": "system" }, text)
    );
    row.cwSender = "system";
    return row;
  }

  /**
   * Only the newest bot message's buttons work, and only while the user has not
   * answered since; a sender's name is shown once per run of messages.
   */
  function refresh() {
    let answered = false;
    let found = false;
    for (let row = log.lastElementChild; row; row = row.previousElementSibling) {
      if (row.cwSender === "user") answered = true;
      const group = row.querySelector(".cw-buttons");
      if (group) {
        const live = !answered && !found;
        found = found || live;
        group.classList.toggle("cw-used", !live);
        for (const b of group.children) b.disabled = !live;
      }
    }
    let previous = null;
    for (const row of log.children) {
      const from = row.querySelector(".cw-from");
      if (from) from.classList.toggle("cw-sr", row.cwSender === "user" || row.cwFrom === previous);
      previous = row.cwFrom || null;
    }
  }

  function setPending(row, pending) {
    row.cwPending = pending;
    row.querySelector(".cw-msg").dataset.status = pending ? "pending" : "sent";
    const note = row.querySelector(".cw-note");
    if (pending && !note) row.append(h("span", { class: "cw-note" }, t("pending")));
    if (!pending && note) note.remove();
  }

  function submit() {
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  }

  function send(payload, shown) {
    consented = true;
    if (token) store.set(token);
    const row = message("user", shown);
    log.append(row);
    refresh();
    if (ready) {
      emit(payload, shown);
      setPending(row, false);
    } else {
      queue.push({ message: payload, shown, row });
      setPending(row, true);
      connect();
    }
    scrollDown();
  }

  function emit(payload, shown) {
    // A tapped button's title travels with its payload, so that the history after a
    // reload shows what the patient tapped ("Yes, store my answers"), not "yes".
    const customData = shown && shown !== payload ? { lang, shown } : { lang };
    socket.emit("user_uttered", { message: payload, session_id: token, customData });
    showTyping();
  }

  // ---- typing --------------------------------------------------------------------
  function showTyping() {
    if (advisor != null) return; // a person answers: no promise of a quick reply
    clearTimeout(typingSettle);
    clearTimeout(typingMax);
    typingMax = setTimeout(hideTyping, TYPING_MAX_MS);
    if (!typing.hidden) return;
    typing.hidden = false;
    announce(t("typing"));
    scrollDown();
  }

  function hideTyping() {
    clearTimeout(typingSettle);
    clearTimeout(typingMax);
    typing.hidden = true;
  }

  // ---- end and clear ---------------------------------------------------------------
  function askClear() {
    clearBtn.hidden = true;
    confirmBox.hidden = false;
    noBtn.focus();
  }

  function hideConfirm(focusBack) {
    if (confirmBox.hidden) return;
    confirmBox.hidden = true;
    clearBtn.hidden = false;
    if (focusBack) clearBtn.focus();
  }

  /** Forgets the conversation here: display, stored token, connection. */
  function reset() {
    const s = socket;
    socket = null;
    ready = false;
    clearTimeout(historyWait);
    if (s) {
      s.off();
      s.disconnect();
    }
    store.clear();
    token = null;
    consented = false;
    queue = [];
    log.textContent = "";
    input.value = "";
    hideTyping();
    setOffline(false);
    setAdvisor(null);
    setUnread(0);
    hideConfirm(false);
  }

  function endAndClear() {
    reset();
    close();
    announce(t("cleared"));
  }

  // A stored conversation: connect now, so that advisor messages arrive and count.
  if (token) connect();

  return { root, open, close };
}
