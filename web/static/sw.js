// interp's service worker: shows a notification when the server sends a push message,
// and opens the requests page when it is clicked. The message carries only what happened
// and which language (e.g. {"kind": "request", "language": "es", "url": "/volunteer"});
// the words are the ones the volunteer's page left in the cache, in their language.

const TEXT_CACHE = "interp-notification-text";
const TEXT_KEY = "/notification-text";
const ENGLISH = {
  title: "Someone needs an interpreter",
  body: "A new request in {language}. Open your requests page to accept it.",
  news: "There is news on your requests page.",
  languages: {},
  lang: "en",
  dir: "ltr",
};

async function words() {
  try {
    const cache = await caches.open(TEXT_CACHE);
    const kept = await cache.match(TEXT_KEY);
    return kept ? { ...ENGLISH, ...(await kept.json()) } : ENGLISH;
  } catch {
    return ENGLISH;
  }
}

function sameSitePath(url) {
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : "/volunteer";
}

async function notify(message) {
  const text = await words();
  const url = sameSitePath(message.url);
  let title = text.title;
  let body = text.news;
  if (message.kind === "request" && message.language) {
    const language = text.languages[message.language] || message.language;
    body = text.body.replace("{language}", language);
  } else {
    title = text.news;
    body = "";
  }
  await self.registration.showNotification(title, {
    body,
    lang: text.lang,
    dir: text.dir === "rtl" ? "rtl" : "ltr",
    // One notice per language: a second request replaces the first instead of piling up.
    tag: message.kind === "request" ? `request-${message.language}` : message.kind,
    renotify: true,
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    data: { url },
  });
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {};
  }
  event.waitUntil(notify(message));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = sameSitePath(event.notification.data?.url);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).pathname === url);
      if (open) return open.focus();
      return self.clients.openWindow(url);
    })(),
  );
});
