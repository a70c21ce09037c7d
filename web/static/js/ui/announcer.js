// Speaks short notices through the page's polite live region (#announcer in base.html),
// so a screen reader reads them without moving focus away from what the person is doing.

let clearTimer = null;

export function announce(text, { assertive = false } = {}) {
  const region = document.getElementById("announcer");
  if (!region || !text) return;
  region.setAttribute("aria-live", assertive ? "assertive" : "polite");
  // Empty the region first: screen readers only speak a change, and the same notice
  // twice in a row must still be heard.
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
  window.clearTimeout(clearTimer);
  clearTimer = window.setTimeout(() => { region.textContent = ""; }, 10000);
}
