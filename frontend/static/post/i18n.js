// German and English for the attendee pages: picked from the browser's language, switchable, and
// remembered. Elements carry data-i18n="key"; their English text in the template is the fallback.

const STRINGS = {
  en: {
    intro: "Your post appears on the wall after a quick check.",
    message: "Your message",
    photo: "Photos (optional, up to 4)",
    photoVideo: "Photos or a video (optional, up to 4)",
    name: "Your name (optional)",
    contact: "Contact for the organiser (optional, never shown)",
    consent: "I agree that this post and my name are shown on the event screens.",
    privacy: "Privacy notice",
    send: "Send to the wall",
    endedTitle: "This event has ended",
    endedText: "Thank you for taking part! The wall is not taking new posts any more.",
    notOpenTitle: "Not open yet",
    notOpenText: "This wall is not taking posts yet. Please come back when the event starts.",
    retry: "Try again",
    tooMany: "Please pick at most 4 photos.",
    tooManyMedia: "Please pick at most 4 photos and videos (one video at most).",
    preparing: "Preparing your photo…",
    oneVideo: "Please pick only one video.",
    videoTooBig: "This video is too big: videos can be at most {mb} MB. Pick a shorter clip.",
    videoTooLong: "This video is too long: videos can be at most {s} seconds. Trim it and try again.",
    video: "Video",
    videoLength: "Video, {s} s",
    uploading: "Sending…",
    offline: "The upload did not get through. Check your connection and try again; nothing you typed is lost.",
    slowDown: "Slow down a little: you can post again in {s} seconds.",
    keepLink: "Keep this link to see your post's status or take it down later:",
    yourPost: "your post",
    another: "Post something else",
    manageTitle: "Your post",
    takeDown: "Take my post down",
    loading: "Loading…",
    noPost: "This link does not belong to any post.",
    "status.pending": "Waiting for approval",
    "status.approved": "On the wall",
    "status.rejected": "Not shown",
    "status.hidden": "Taken down",
    "hint.pending": "A moderator looks at it in a moment. This page updates by itself.",
    "hint.approved": "Look up at the screens! You can still take it down below.",
    "hint.rejected": "A moderator decided not to show this post.",
    "hint.hidden": "It is no longer shown anywhere.",
    "status.withdrawn": "Deleted",
    "hint.withdrawn": "It was taken down: it is no longer shown anywhere, and its text, name and photos are deleted.",
  },
  de: {
    intro: "Dein Beitrag erscheint nach einer kurzen Prüfung auf der Wall.",
    message: "Deine Nachricht",
    photo: "Fotos (optional, bis zu 4)",
    photoVideo: "Fotos oder ein Video (optional, bis zu 4)",
    name: "Dein Name (optional)",
    contact: "Kontakt für den Veranstalter (optional, wird nie gezeigt)",
    consent: "Ich bin einverstanden, dass dieser Beitrag und mein Name auf den Bildschirmen der Veranstaltung gezeigt werden.",
    privacy: "Datenschutzhinweis",
    send: "An die Wall senden",
    endedTitle: "Diese Veranstaltung ist vorbei",
    endedText: "Danke fürs Mitmachen! Die Wall nimmt keine neuen Beiträge mehr an.",
    notOpenTitle: "Noch nicht geöffnet",
    notOpenText: "Die Wall nimmt noch keine Beiträge an. Schau wieder vorbei, wenn die Veranstaltung beginnt.",
    retry: "Nochmal versuchen",
    tooMany: "Bitte höchstens 4 Fotos auswählen.",
    tooManyMedia: "Bitte höchstens 4 Fotos und Videos auswählen (höchstens ein Video).",
    preparing: "Foto wird vorbereitet…",
    oneVideo: "Bitte nur ein Video auswählen.",
    videoTooBig: "Das Video ist zu groß: Videos dürfen höchstens {mb} MB haben. Nimm einen kürzeren Clip.",
    videoTooLong: "Das Video ist zu lang: Videos dürfen höchstens {s} Sekunden dauern. Kürze es und versuch es nochmal.",
    video: "Video",
    videoLength: "Video, {s} s",
    uploading: "Wird gesendet…",
    offline: "Das Hochladen hat nicht geklappt. Prüfe die Verbindung und versuch es nochmal; dein Text bleibt erhalten.",
    slowDown: "Nicht so schnell: In {s} Sekunden kannst du wieder posten.",
    keepLink: "Heb dir diesen Link auf, um den Status zu sehen oder den Beitrag später zu entfernen:",
    yourPost: "dein Beitrag",
    another: "Noch etwas posten",
    manageTitle: "Dein Beitrag",
    takeDown: "Beitrag entfernen",
    loading: "Wird geladen…",
    noPost: "Zu diesem Link gibt es keinen Beitrag.",
    "status.pending": "Wartet auf Freigabe",
    "status.approved": "Auf der Wall",
    "status.rejected": "Nicht gezeigt",
    "status.hidden": "Entfernt",
    "hint.pending": "Gleich schaut jemand aus dem Team drauf. Diese Seite aktualisiert sich selbst.",
    "hint.approved": "Schau auf die Bildschirme! Du kannst den Beitrag unten noch entfernen.",
    "hint.rejected": "Das Team hat entschieden, diesen Beitrag nicht zu zeigen.",
    "hint.hidden": "Er wird nirgends mehr gezeigt.",
    "status.withdrawn": "Gelöscht",
    "hint.withdrawn": "Er wurde entfernt: Er wird nirgends mehr gezeigt, Text, Name und Fotos sind gelöscht.",
  },
};

const KEY = "wall-lang";
let current = "en";

function stored() {
  try { return localStorage.getItem(KEY); } catch { return null; }
}

export function pickLanguage() {
  const saved = stored();
  if (saved && STRINGS[saved]) return saved;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (STRINGS[base]) return base;
  }
  return "en";
}

export function t(key, vars = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function language() {
  return current;
}

// Translate every [data-i18n] element under root and mark the switch buttons.
export function setLanguage(lang, root = document) {
  current = STRINGS[lang] ? lang : "en";
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const button of root.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === current));
  }
}

// Wire the language buttons; onChange re-renders anything drawn from JS (status lines).
export function initLanguage(onChange = () => {}) {
  setLanguage(pickLanguage());
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => {
      try { localStorage.setItem(KEY, button.dataset.lang); } catch { /* private mode */ }
      setLanguage(button.dataset.lang);
      onChange();
    });
  }
}
