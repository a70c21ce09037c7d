// The caption view of a meeting (protocol: docs/protocol.md, "/ws/captions"): no sign-in, the
// reader picks a language, and the captions show in large text, on a phone or full screen on a
// projector. Small on purpose: it must run on old phones, with no build step.
import { ReconnectingSocket } from "./socket.js";
import { CaptionDisplay, ORIGINAL, captionEvent, readingNotice } from "./ui/captions.js";
import { noticeParagraph } from "./ui/notice.js";
import { closeSheets } from "./ui/sheet.js";
import { pageStrings } from "./ui/strings.js";
import { fill, languageNamer, listOf, personName, speakerLabel } from "./ui/text.js";

const t = pageStrings();
const config = JSON.parse(document.getElementById("view-config").textContent);
const view = document.getElementById("caption-view");
const statusEl = document.getElementById("view-status");
const select = document.getElementById("view-language");
const themeButton = document.getElementById("theme-button");
const fullscreenButton = document.getElementById("fullscreen-button");
const exitButton = document.getElementById("exit-fullscreen-button");
const languageLabel = document.getElementById("projector-language");
const modelNotice = document.getElementById("captions-model-notice");
const display = new CaptionDisplay(document.getElementById("captions"));
const languageName = languageNamer(t.names || {}, document.documentElement.lang);

const LANGUAGE_KEY = "interp.viewLanguage";
const THEME_KEY = "interp.viewTheme";
// Arrow keys on a closed <select> fire "change" at every step: switch only where they stop.
const LANGUAGE_SETTLE_MS = 300;

let reading = firstLanguage();
let viewing = false; // the server accepted this page at least once
let ended = false;
let started = false;
let available = true;
let connection = "connecting";
let settleTimer = null;
const onFor = new Map(); // participant id -> name, whose speech is captioned
const behind = new Map();
const noticed = new Set(); // languages already told "no translation model"

function remembered(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // private browsing may refuse storage
  }
}

function remember(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // the choice still holds for this page
  }
}

// The language the link asks for (?lang=), else the reader's last choice, else the
// browser's preferred language, else the meeting's.
function firstLanguage() {
  if (config.askedLanguage) return config.askedLanguage;
  const stored = remembered(LANGUAGE_KEY);
  if (config.choices.includes(stored)) return stored;
  for (const tag of navigator.languages || [navigator.language]) {
    const code = (tag || "").toLowerCase().split("-")[0];
    if (config.choices.includes(code)) return code;
  }
  return config.defaultLanguage;
}

// One status line says the most useful thing: the connection, else the meeting's state.
function renderStatus() {
  let text;
  if (ended) text = t.ended;
  else if (connection === "invalid") text = t.linkInvalid;
  else if (connection !== "open" || !viewing) text = connection === "reconnecting" ? t.reconnecting : t.connecting;
  else if (!available) text = t.unavailable;
  else if (onFor.size) text = fill(t.captionsOnFor, { names: listOf([...onFor.values()]) });
  else text = started ? t.started : t.waiting;
  if (!ended && behind.size) text += " " + fill(t.captionsBehind, { names: listOf([...behind.values()]) });
  if (statusEl.textContent !== text) statusEl.textContent = text;
  view.dataset.state = ended ? "ended" : connection;
}

function onCaption(message) {
  // A copy for a language this page no longer reads was on its way before the change.
  if (message.reading !== reading) return;
  // An untranslated partial for a translated reader is foreign words its final replaces.
  if (!message.final && message.available === false && !noticed.has(reading)) return;
  display.push(captionEvent(message, speakerLabel(message.speaker, t)));
  if (message.final && message.text && message.available === false && !noticed.has(reading)) {
    noticed.add(reading);
    modelNotice.append(noticeParagraph(fill(t.noModel, { language: languageName(reading) })));
  }
}

function onMessage(message) {
  switch (message.type) {
    case "viewing":
      viewing = true;
      started = Boolean(message.meeting && message.meeting.started);
      available = Boolean(message.captions && message.captions.available);
      // Who is captioned is told again as it changes; after a reconnect start from nobody.
      onFor.clear();
      behind.clear();
      break;
    case "caption":
      started = true;
      onCaption(message);
      break;
    case "captions.state":
      if (message.on) onFor.set(message.peer.id, personName(message.peer, t));
      else onFor.delete(message.peer.id);
      break;
    case "captions.behind":
      if (message.behind) behind.set(message.peer.id, personName(message.peer, t));
      else behind.delete(message.peer.id);
      break;
    case "meeting.started":
      started = true;
      break;
    case "meeting.ended":
      end();
      break;
    default:
      return; // viewer.reading, pong, error: nothing to show
  }
  renderStatus();
}

function end() {
  if (ended) return;
  ended = true;
  socket.close();
  display.notice(t.ended); // seen on a projector too, where the status line is hidden
  renderStatus();
}

const socket = new ReconnectingSocket("/ws/captions", {
  hello: { type: "hello", token: config.token, languages: [reading] },
  onMessage,
  onState(state) {
    connection = state;
    renderStatus();
  },
  onClosed(code) {
    // 1000: the meeting is over. 4404 once this page was let in: the meeting went while it
    // was away; before, the link was never right.
    if (code === 1000 || (code === 4404 && viewing)) end();
    else connection = "invalid";
    renderStatus();
  },
});

// --- language ----------------------------------------------------------------------------

function showLanguage() {
  select.value = reading;
  languageLabel.textContent = languageName(reading);
  languageLabel.lang = reading === ORIGINAL ? "" : reading;
}

select.addEventListener("change", () => {
  window.clearTimeout(settleTimer);
  settleTimer = window.setTimeout(() => {
    if (select.value === reading) return;
    reading = select.value;
    remember(LANGUAGE_KEY, reading);
    socket.hello.languages = [reading]; // what a reconnect asks for
    socket.send({ type: "viewer.language", languages: [reading] });
    showLanguage();
    display.notice(readingNotice(reading, t, languageName));
  }, LANGUAGE_SETTLE_MS);
});

// --- light or dark ---------------------------------------------------------------------------

function setTheme(theme) {
  view.dataset.theme = theme;
  themeButton.setAttribute("aria-pressed", String(theme === "light"));
}

themeButton.addEventListener("click", () => {
  const theme = view.dataset.theme === "light" ? "dark" : "light";
  setTheme(theme);
  remember(THEME_KEY, theme);
});

// --- projector view ----------------------------------------------------------------------------
// Full screen shows the captions alone, very large. Where the browser has no Fullscreen API
// for elements (iPhone), the view still covers the page; Escape or the small button leaves.

function setProjector(on) {
  if (view.classList.contains("projector") === on) return;
  if (on) closeSheets();
  view.classList.toggle("projector", on);
  document.body.classList.toggle("projecting", on);
  if (on) display.setPaused(false); // the projector has no pause button: always the latest
  display.relayout(); // the lines are split again at the new size
  (on ? exitButton : fullscreenButton).focus();
}

fullscreenButton.addEventListener("click", () => {
  setProjector(true);
  if (view.requestFullscreen) view.requestFullscreen().catch(() => {});
});

function leaveProjector() {
  if (document.fullscreenElement && document.exitFullscreen) document.exitFullscreen().catch(() => {});
  setProjector(false);
}

exitButton.addEventListener("click", leaveProjector);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && view.classList.contains("projector")) leaveProjector();
});
document.addEventListener("fullscreenchange", () => {
  if (!document.fullscreenElement) setProjector(false);
});

setTheme(remembered(THEME_KEY) === "light" ? "light" : "dark");
showLanguage();
renderStatus();
