// The caseworker's meeting pages: the new meeting's time is read in the browser's own time
// zone (the server is told its name), times print in that zone, and ending a meeting asks
// first. Without JavaScript the form and times are in UTC, as the page says.
import { pageStrings } from "./ui/strings.js";
import { fill } from "./ui/text.js";

const t = pageStrings();
const locale = document.documentElement.lang || undefined;
let zone = "";
try {
  zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
} catch {
  // No time zone support: the page stays in UTC.
}

if (zone) {
  for (const field of document.querySelectorAll("[data-timezone]")) field.value = zone;
  for (const hint of document.querySelectorAll("[data-timezone-hint]")) {
    if (t.timezone) hint.textContent = fill(t.timezone, { zone });
  }
  const format = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  for (const time of document.querySelectorAll("time[data-local-time]")) {
    const moment = new Date(time.getAttribute("datetime"));
    if (!Number.isNaN(moment.getTime())) time.textContent = format.format(moment);
  }
}

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
