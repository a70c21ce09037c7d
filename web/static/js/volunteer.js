// The volunteer's dashboard: requests in their languages appear live; first to accept wins.
// Open bookings in their languages appear and go live too, whether or not they are available.
import { announce } from "./ui/announcer.js";
import { localText, showLocalTimes, utcText } from "./ui/local-time.js";
import { chime } from "./ui/sound.js";
import { pageStrings } from "./ui/strings.js";
import { fill } from "./ui/text.js";
import { ReconnectingSocket, connectionText } from "./socket.js";

const t = pageStrings();
const root = document.getElementById("dashboard");
const list = document.getElementById("request-list");
const empty = document.getElementById("no-requests");
const template = document.getElementById("request-template");
const availabilityButton = document.getElementById("availability-button");
const availabilityState = document.getElementById("availability-state");
const stateEl = document.getElementById("connection-state");
const refusedNotice = document.getElementById("availability-refused");
const soundToggle = document.getElementById("sound-alert");
soundToggle.checked = localStorage.getItem("interp-sound-alert") === "on";
soundToggle.addEventListener("change", () => {
  localStorage.setItem("interp-sound-alert", soundToggle.checked ? "on" : "off");
});
const openBookings = document.getElementById("open-bookings");
const noOpenBookings = document.getElementById("no-open-bookings");
const myBookings = document.getElementById("my-bookings");
const noMyBookings = document.getElementById("no-my-bookings");
const bookingTemplate = document.getElementById("booking-template");
const bookingsHeading = document.getElementById("open-bookings-heading");
let available = root.dataset.available === "true";
showLocalTimes();

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

function languageName(code) {
  return t.languageNames[code] || code;
}

// The booking's markup as the server renders its list item, with a Claim form of its own.
function bookingItem(booking) {
  const item = bookingTemplate.content.firstElementChild.cloneNode(true);
  item.dataset.id = booking.id;
  item.dataset.startsAt = booking.starts_at;
  const when = item.querySelector(".booking-when");
  when.dateTime = booking.starts_at;
  when.textContent = localText(booking.starts_at);
  item.querySelector(".booking-length").textContent = minutesText(booking.length_min);
  item.querySelector(".booking-language").textContent = languageName(booking.language);
  const note = item.querySelector(".booking-note");
  note.textContent = booking.note;
  note.hidden = !booking.note;
  item.querySelector("form").action = `/bookings/${encodeURIComponent(booking.id)}/claim`;
  item.querySelector(".booking-utc").textContent = ` – ${utcText(booking.starts_at)}`;
  return item;
}

function minutesText(minutes) {
  try {
    const lang = document.documentElement.lang || undefined;
    return new Intl.NumberFormat(lang, { style: "unit", unit: "minute", unitDisplay: "long" })
      .format(minutes);
  } catch {
    return String(minutes);
  }
}

function bookingIn(listEl, id) {
  return listEl.querySelector(`li[data-id="${CSS.escape(id)}"]`);
}

function startsAt(item) {
  return item.dataset.startsAt || item.querySelector("time")?.getAttribute("datetime") || "";
}

function refreshBookingsEmpty() {
  noOpenBookings.hidden = openBookings.children.length > 0;
  noMyBookings.hidden = myBookings.children.length > 0;
}

// Takes a booking's item away; focus inside it goes to the list's heading, not to nowhere.
function removeBooking(item) {
  if (item.contains(document.activeElement)) {
    bookingsHeading.tabIndex = -1;
    bookingsHeading.focus();
  }
  item.remove();
  refreshBookingsEmpty();
}

function bookingText(template, booking) {
  return fill(template, { language: languageName(booking.language), time: localText(booking.starts_at) });
}

// booking.new: made, or handed back (perhaps by this volunteer in another tab).
function addBooking(booking) {
  const mine = bookingIn(myBookings, booking.id);
  if (mine) mine.remove();
  if (!bookingIn(openBookings, booking.id)) {
    const item = bookingItem(booking);
    item.classList.add("is-new");
    // Soonest first, as the server lists them (ISO 8601 UTC sorts as text).
    const later = [...openBookings.children].find((other) => startsAt(other) > booking.starts_at);
    openBookings.insertBefore(item, later || null);
    announce(bookingText(t.newBooking, booking));
  }
  refreshBookingsEmpty();
}

// booking.gone: claimed (by someone, or by this volunteer elsewhere) or cancelled.
function dropBooking(booking, byYou) {
  const open = bookingIn(openBookings, booking.id);
  if (open) {
    removeBooking(open);
    if (!byYou) announce(bookingText(t.bookingGone, booking));
  }
  const mine = bookingIn(myBookings, booking.id);
  if (mine && !byYou) {
    // Only its caseworker can take a claimed booking away: they cancelled it.
    removeBooking(mine);
    announce(bookingText(t.bookingCancelled, booking));
  }
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
      case "booking.new":
        addBooking(message.booking);
        break;
      case "booking.gone":
        dropBooking(message.booking, message.by_you);
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
        if (message.code === "no_languages") {
          // Going available needs a language: say so, with the way to add one.
          refusedNotice.hidden = false;
        } else if (message.code === "taken" && message.request) {
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
