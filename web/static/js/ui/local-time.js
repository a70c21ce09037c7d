// Times the server prints in UTC (<time datetime="…" data-local-time>), shown in the reader's
// own time zone and language. Without a time zone the page stays in UTC, as it says.

const locale = document.documentElement.lang || undefined;

export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

const format = browserTimeZone()
  ? new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" })
  : null;

// "2025-05-01 10:00 UTC": what the server prints before the browser formats it.
export function utcText(iso) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return iso;
  return `${moment.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function localText(iso) {
  const moment = new Date(iso);
  if (!format || Number.isNaN(moment.getTime())) return utcText(iso);
  return format.format(moment);
}

export function showLocalTimes(root = document) {
  if (!format) return;
  for (const time of root.querySelectorAll("time[data-local-time]")) {
    time.textContent = localText(time.getAttribute("datetime"));
  }
}
