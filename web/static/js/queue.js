// The resident's queue page: place in the queue and wait, live; off to the call when matched.
import { announce } from "./ui/announcer.js";
import { chime, vibrate } from "./ui/sound.js";
import { pageStrings } from "./ui/strings.js";
import { ReconnectingSocket, connectionText } from "./socket.js";

const t = pageStrings();
const root = document.getElementById("queue");
const token = root.dataset.token;
const positionEl = document.getElementById("queue-position");
const waitEl = document.getElementById("queue-wait");
const statusEl = document.getElementById("queue-status");
const stateEl = document.getElementById("connection-state");
const longWaitEl = document.getElementById("long-wait");
const cancelForm = document.getElementById("cancel-form");
const readyBanner = document.getElementById("ready-banner");
const joinLink = document.getElementById("join-link");
let lastStatus = root.dataset.status;
// Long enough to see the banner and feel the vibration; "Join the call now" skips the wait.
const JOIN_DELAY_MS = 5000;
// Someone who pressed a key or touched the page this recently is in the middle of something.
const BUSY_MS = 3000;
let lastInteraction = -Infinity;
for (const type of ["keydown", "pointerdown", "input"]) {
  document.addEventListener(type, () => { lastInteraction = performance.now(); }, true);
}

function waitText(seconds) {
  if (seconds === null || seconds === undefined) return t.waitUnknown;
  const minutes = Math.max(1, Math.round(seconds / 60));
  return minutes > t.waitMinutes.length ? t.waitLong : t.waitMinutes[minutes - 1];
}

function showEnded(text) {
  statusEl.replaceChildren(Object.assign(document.createElement("p"), { textContent: text }));
  longWaitEl.hidden = true;
  if (cancelForm) cancelForm.hidden = true;
}

function isBusy() {
  const active = document.activeElement;
  const typing = active && active.matches("input, textarea, select, [contenteditable]");
  return typing || performance.now() - lastInteraction < BUSY_MS;
}

// Every cue at once, none relied on alone: the tab's title (seen from another tab too), a
// banner announced as an alert, vibration where the phone has it, and the chime.
function showReady(callUrl) {
  document.title = `${t.readyTitle} — ${document.title}`;
  joinLink.href = callUrl;
  readyBanner.hidden = false;
  document.getElementById("ready-banner-text").textContent = t.matched;
  vibrate();
  chime();
  // Taking focus from someone typing or using a control would lose their place.
  if (!isBusy()) joinLink.focus();
}

function onStatus(message) {
  if (message.machine && message.call_url) {
    socket.close();
    location.assign(message.call_url);
    return;
  }
  if (message.status === "matched" && message.call_url) {
    statusEl.replaceChildren(Object.assign(document.createElement("p"), { textContent: t.matched }));
    if (cancelForm) cancelForm.hidden = true;
    showReady(message.call_url);
    socket.close();
    window.setTimeout(() => location.assign(message.call_url), JOIN_DELAY_MS);
    return;
  }
  if (message.status === "cancelled") return showEnded(t.cancelled);
  if (message.status !== "open") return showEnded(t.ended);
  if (lastStatus === "matched") announce(t.back, { assertive: true });
  if (positionEl) positionEl.textContent = message.position === null ? "–" : String(message.position);
  if (waitEl) waitEl.textContent = waitText(message.estimated_wait_s);
  if (message.long_wait && longWaitEl.hidden) announce(longWaitEl.textContent.trim().split("\n")[0]);
  longWaitEl.hidden = !message.long_wait;
  lastStatus = message.status;
}

const socket = new ReconnectingSocket("/ws/resident", {
  hello: { type: "hello", token },
  onMessage(message) {
    if (message.type === "status") onStatus(message);
    else if (message.type === "error" && message.code === "invalid_token") showEnded(t.linkInvalid);
  },
  onState(state) {
    stateEl.textContent = connectionText(state, t);
  },
  onClosed() { stateEl.textContent = ""; },
});

if (cancelForm) {
  cancelForm.addEventListener("submit", (event) => {
    // Over the socket when it is up; otherwise the form posts as it would without JavaScript.
    if (socket.send({ type: "cancel" })) event.preventDefault();
  });
}
