// Page scripts take every visible string from the page itself, translated by the server:
// <script type="application/json" id="strings">{{ {...} | tojson }}</script>.

export function pageStrings(id = "strings") {
  const block = document.getElementById(id);
  if (!block) return {};
  try {
    return JSON.parse(block.textContent);
  } catch {
    return {};
  }
}
