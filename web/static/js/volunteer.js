// The volunteer's dashboard: requests in their languages appear live; first to accept wins.
import { announce } from "./ui/announcer.js";
import { chime } from "./ui/sound.js";
import { pageStrings } from "./ui/strings.js";
import { ReconnectingSocket, connectionText } from "./socket.js";

const t = pageStrings();
const root = document.getElementById("dashboard");
const list = document.getElementById("request-list");
const empty = document.getElementById("no-requests");
const template = document.getElementById("request-template");
const availabilityButton = document.getElementById("availability-button");
const availabilityState = document.getElementById("availability-state");
const stateEl = document.getElementById("connection-state");
const soundToggle = document.getElementById("sound-alert");
soundToggle.checked = localStorage.getItem("interp-sound-alert") === "on";
soundToggle.addEventListener("change", () => {
  localStorage.setItem("interp-sound-alert", soundToggle.checked ? "on" : "off");
});
let available = root.dataset.available === "true";

function renderAvailability() {
  availabilityButton.textContent = available ? t.unavailable : t.available;
  availabilityButton.setAttribute("aria-pressed", String(available));
  availabilityState.textContent = available ? t.availableState : t.unavailableState;
}

function requestItem(request) {
  const item = template.content.firstElementChild.cloneNode(true);
  item.dataset.id = request.id;
  item.querySelector(".request-language").textContent = t.languageNames[request.language] || request.language;
  item.querySelector(".request-media").textContent = request.media === "video" ? t.video : t.audio;
  item.querySelector(".request-long-wait").hidden = !request.long_wait;
  item.querySelector(".request-captions").hidden = !request.needs_captions;
  const note = item.querySelector(".request-note");
  note.textContent = request.note;
  note.hidden = !request.note;
  item.querySelector(".accept-button").dataset.id = request.id;
  item.querySelector(".accept-language").textContent = ` – ${t.languageNames[request.language] || request.language}`;
  return item;
}

function refreshEmpty() {
  empty.hidden = list.children.length > 0;
}

function addRequest(request, alert) {
  if (list.querySelector(`[data-id="${CSS.escape(request.id)}"]`)) return;
  const item = requestItem(request);
  if (alert) {
    item.classList.add("is-new");
    const name = t.languageNames[request.language] || request.language;
    announce(`${t.newRequest}: ${name}`);
    if (soundToggle.checked) chime();
  }
  list.append(item);
  refreshEmpty();
}

function removeRequest(id) {
  const item = list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
  if (item) item.remove();
  refreshEmpty();
}

function enableAccept(id) {
  const button = list.querySelector(`li[data-id="${CSS.escape(id)}"] .accept-button`);
  if (button) button.disabled = false;
}

const socket = new ReconnectingSocket("/ws/volunteer", {
  onMessage(message) {
    switch (message.type) {
      case "queue":
        available = message.available;
        renderAvailability();
        list.replaceChildren(...message.requests.map(requestItem));
        refreshEmpty();
        break;
      case "request.new":
        addRequest(message.request, true);
        break;
      case "request.gone":
        removeRequest(message.id);
        break;
      case "request.long_wait": {
        const badge = list.querySelector(`li[data-id="${CSS.escape(message.id)}"] .request-long-wait`);
        if (badge) badge.hidden = false;
        break;
      }
      case "accepted":
        announce(t.joining, { assertive: true });
        location.assign(message.call_url);
        break;
      case "error":
        if (message.code === "taken" && message.request) {
          removeRequest(message.request);
          announce(t.taken, { assertive: true });
        } else if (message.code === "conflict" && message.request) {
          // Still in another call: the request stays open for someone else, or for later.
          enableAccept(message.request);
          announce(t.finishCall, { assertive: true });
        }
        break;
    }
  },
  onState(state) {
    stateEl.textContent = connectionText(state, t);
  },
  onClosed(code) {
    // 4401: signed out, or the account was deactivated; nothing here works any more.
    if (code !== 4401) return;
    stateEl.textContent = t.signedOut;
    availabilityButton.disabled = true;
    list.replaceChildren();
    empty.hidden = true;
    announce(t.signedOut, { assertive: true });
  },
});

availabilityButton.addEventListener("click", () => {
  socket.send({ type: "availability", available: !available });
});

list.addEventListener("click", (event) => {
  const button = event.target.closest(".accept-button");
  if (!button) return;
  button.disabled = true;
  socket.send({ type: "accept", request: button.dataset.id });
});
