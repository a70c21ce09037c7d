// The request form: on a slow connection, suggest voice only (and say why) before the person
// chooses. Only a suggestion: the server's default stands without JavaScript, and a choice the
// person made, here or on a form sent back with an error, is never changed.
import { pageStrings } from "./ui/strings.js";

const t = pageStrings();
const choices = document.getElementById("media-choices");
const voice = choices.querySelector("input[value=audio]");
const suggestion = document.getElementById("media-suggestion");
// The Network Information API's names for connections too slow for smooth video.
const SLOW_TYPES = ["slow-2g", "2g", "3g"];
// Round trips above this are what that API calls 3g or worse, with room for the server's own time.
const SLOW_ROUND_TRIP_MS = 400;
let chosenByPerson = choices.dataset.chosen === "yes";
choices.addEventListener("change", () => { chosenByPerson = true; });

// The quickest of two tiny requests, so one hiccup does not count as a slow line.
async function roundTripMs() {
  let best = Infinity;
  for (let i = 0; i < 2; i += 1) {
    const start = performance.now();
    await fetch(new URL(import.meta.url), { method: "HEAD", cache: "no-store" });
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

async function slowReason() {
  const connection = navigator.connection;
  if (connection) {
    if (connection.saveData) return t.saveData;
    return SLOW_TYPES.includes(connection.effectiveType) ? t.slowConnection : null;
  }
  try {
    return (await roundTripMs()) > SLOW_ROUND_TRIP_MS ? t.slowConnection : null;
  } catch {
    return null;  // offline or refused: nothing measured, nothing suggested
  }
}

slowReason().then((reason) => {
  if (!reason || chosenByPerson || voice.checked) return;
  voice.checked = true;
  suggestion.textContent = reason;
  suggestion.hidden = false;
});
