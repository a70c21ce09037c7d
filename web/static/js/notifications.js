// A volunteer's notification choices: Web Push on this device, and guessing their time
// zone the first time. The server gets the subscription (endpoint and keys); the
// notification's words stay in this browser, in the page's language, for the service
// worker to use (sw.js reads them from the cache below).

const TEXT_CACHE = "interp-notification-text";
const TEXT_KEY = "/notification-text";

const card = document.getElementById("device-notifications");
const strings = JSON.parse(document.getElementById("notification-strings").textContent);
const state = document.getElementById("device-state");
const onButton = document.getElementById("device-on");
const offButton = document.getElementById("device-off");

function guessTimeZone() {
  const select = document.getElementById("time-zone");
  if (!select || select.dataset.guess !== "true") return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if ([...select.options].some((option) => option.value === zone)) select.value = zone;
}

function show(message, subscribed) {
  state.textContent = message;
  onButton.hidden = subscribed !== false;
  offButton.hidden = subscribed !== true;
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function send(method, body) {
  const response = await fetch("/account/notifications/push", {
    method,
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      "x-csrf-token": card.dataset.csrf,
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const answer = await response.json().catch(() => ({}));
    throw new Error(answer.error?.message || strings.failed);
  }
}

async function keepWords() {
  const words = {
    title: strings.title,
    body: strings.body,
    news: strings.news,
    languages: strings.languages,
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
  };
  const cache = await caches.open(TEXT_CACHE);
  await cache.put(TEXT_KEY, new Response(JSON.stringify(words)));
}

async function turnOn(registration) {
  show(strings.working, null);
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    show(strings.blocked, false);
    return;
  }
  try {
    await keepWords();
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(card.dataset.vapidKey),
    });
    await send("POST", subscription.toJSON());
    show(strings.on, true);
  } catch (error) {
    show(error.message || strings.failed, false);
  }
}

async function turnOff(registration) {
  show(strings.working, null);
  const subscription = await registration.pushManager.getSubscription();
  try {
    if (subscription) {
      await send("DELETE", { endpoint: subscription.endpoint }).catch(() => {});
      await subscription.unsubscribe();
    }
    show(strings.off, false);
  } catch (error) {
    show(error.message || strings.failed, true);
  }
}

async function start() {
  guessTimeZone();
  if (!card || card.dataset.pushOn !== "true") return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    show(strings.unsupported, null);
    return;
  }
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  await navigator.serviceWorker.ready;
  onButton.addEventListener("click", () => turnOn(registration));
  offButton.addEventListener("click", () => turnOff(registration));
  const subscription = await registration.pushManager.getSubscription();
  if (subscription && Notification.permission === "granted") {
    await keepWords(); // the page's language may have changed since
    show(strings.on, true);
  } else {
    show(Notification.permission === "denied" ? strings.blocked : strings.off, false);
  }
}

start().catch(() => show(strings.unsupported, null));
