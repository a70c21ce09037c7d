// The caseworker's meeting pages: the new meeting's time is read in the browser's own time
// zone (the server is told its name), times print in that zone, and ending a meeting asks
// first. Without JavaScript the form and times are in UTC, as the page says.
import { browserTimeZone, showLocalTimes } from "./ui/local-time.js";
import { pageStrings } from "./ui/strings.js";
import { fill } from "./ui/text.js";

const t = pageStrings();
const zone = browserTimeZone();

if (zone) {
  for (const field of document.querySelectorAll("[data-timezone]")) field.value = zone;
  for (const hint of document.querySelectorAll("[data-timezone-hint]")) {
    if (t.timezone) hint.textContent = fill(t.timezone, { zone });
  }
}
showLocalTimes();

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
