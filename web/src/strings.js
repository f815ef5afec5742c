// Every text the widget shows or announces, by language. `en` is complete and is the
// fallback for a missing language or a missing key. Placeholders: {name}, {n}.
// The emergency numbers are the same in every language: 112 (Europe), 144
// (Switzerland), 911 (North America).

export const STRINGS = {
  en: {
    // The launcher's name is "Chat with the clinic assistant[, 2 unread messages]":
    // its visible text "Chat", then the rest for screen readers.
    launcher: "Chat",
    launcherMore: " with the clinic assistant",
    unread1: ", 1 unread message",
    unreadN: ", {n} unread messages",
    title: "Clinic assistant",
    statusBot: "You're chatting with an automated assistant",
    statusAdvisor: "You're chatting with {name}",
    anAdvisor: "a clinic advisor",
    close: "Close chat",
    emergency: "Emergency? Call",
    intro:
      "Hello! I answer general questions about stem cell therapy for rheumatoid arthritis. " +
      "I'm an automated assistant, not a doctor, and I can't give personal medical advice.",
    privacy:
      "Nothing is saved on this device until you send a message. On a shared device, " +
      "use \u201cEnd and clear this chat\u201d when you are done.",
    logLabel: "Conversation",
    messages: "Messages",
    inputLabel: "Your message",
    placeholder: "Type your question\u2026",
    send: "Send",
    clear: "End and clear this chat",
    confirmQuestion: "End this chat and clear it from this device?",
    confirmDetail:
      "The conversation disappears from this screen. Your next message starts a new chat.",
    confirmYes: "Yes, end and clear",
    confirmNo: "Cancel",
    cleared: "The chat was ended and cleared.",
    offline:
      "Connection lost \u2014 reconnecting\u2026 In an emergency call 112 (Europe) / " +
      "144 (Switzerland) / 911 (North America).",
    pending: "Waiting for the connection \u2014 will be sent automatically",
    typing: "The assistant is typing",
    you: "You",
    bot: "Assistant",
    advisor: "Clinic advisor",
    system: "Notice",
    joined: "{name} has joined the chat",
    joinedAnon: "A clinic advisor has joined the chat",
    ended: "The assistant is back",
    replies: "Suggested replies",
    newTab: "(opens in a new tab)",
  },
  de: {
    launcher: "Chat",
    launcherMore: " mit dem Assistenten der Klinik",
    unread1: ", 1 ungelesene Nachricht",
    unreadN: ", {n} ungelesene Nachrichten",
    title: "Assistent der Klinik",
    statusBot: "Sie chatten mit einem automatischen Assistenten",
    statusAdvisor: "Sie chatten mit {name}",
    anAdvisor: "einer Beraterin oder einem Berater der Klinik",
    close: "Chat schließen",
    emergency: "Notfall? Notruf",
    intro:
      "Hallo! Ich beantworte allgemeine Fragen zur Stammzelltherapie bei rheumatoider " +
      "Arthritis. Ich bin ein automatischer Assistent, kein Arzt, und kann keine " +
      "persönliche medizinische Beratung geben.",
    privacy:
      "Auf diesem Gerät wird nichts gespeichert, bevor Sie eine Nachricht senden. Auf " +
      "einem geteilten Gerät wählen Sie am Ende \u201eChat beenden und löschen\u201c.",
    logLabel: "Unterhaltung",
    messages: "Nachrichten",
    inputLabel: "Ihre Nachricht",
    placeholder: "Ihre Frage\u2026",
    send: "Senden",
    clear: "Chat beenden und löschen",
    confirmQuestion: "Diesen Chat beenden und von diesem Gerät löschen?",
    confirmDetail:
      "Die Unterhaltung verschwindet von diesem Bildschirm. Ihre nächste Nachricht " +
      "beginnt einen neuen Chat.",
    confirmYes: "Ja, beenden und löschen",
    confirmNo: "Abbrechen",
    cleared: "Der Chat wurde beendet und gelöscht.",
    offline:
      "Verbindung unterbrochen \u2014 neuer Versuch läuft\u2026 Im Notfall: 112 (Europa) / " +
      "144 (Schweiz) / 911 (Nordamerika).",
    pending: "Wartet auf die Verbindung \u2014 wird automatisch gesendet",
    typing: "Der Assistent schreibt",
    you: "Sie",
    bot: "Assistent",
    advisor: "Beratung der Klinik",
    system: "Hinweis",
    joined: "{name} ist dem Chat beigetreten",
    joinedAnon: "Eine Beraterin oder ein Berater der Klinik ist dem Chat beigetreten",
    ended: "Der Assistent ist wieder da",
    replies: "Antwortvorschläge",
    newTab: "(öffnet in einem neuen Tab)",
  },
};

/** The language to use: "de-CH" -> "de"; anything not in the table -> "en". */
export function pickLang(...candidates) {
  for (const c of candidates) {
    const code = String(c || "").trim().toLowerCase().split(/[-_]/)[0];
    if (code && Object.prototype.hasOwnProperty.call(STRINGS, code)) return code;
  }
  return "en";
}

/** A translator for one language: t("joined", {name: "Dr Anna Meier"}). */
export function translator(lang) {
  const table = STRINGS[lang] || STRINGS.en;
  return (key, vars) => {
    let s = key in table ? table[key] : STRINGS.en[key];
    if (vars) for (const k in vars) s = s.split("{" + k + "}").join(String(vars[k]));
    return s;
  };
}
