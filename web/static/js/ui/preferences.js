// Text size and contrast. The server renders them from cookies onto <html> (so a page never
// flashes in the wrong size); this module applies a change at once and remembers it in the
// same cookies. Without JavaScript the settings form submits and the server sets the cookies.

const PREFERENCES = {
  "text-size": { cookie: "interp_text_size", attribute: "textSize", values: ["1", "2", "3", "4"] },
  contrast: { cookie: "interp_contrast", attribute: "contrast", values: ["standard", "high"] },
};
const ONE_YEAR_S = 365 * 24 * 3600;

export function getPreference(name) {
  const preference = PREFERENCES[name];
  return preference ? document.documentElement.dataset[preference.attribute] : undefined;
}

export function setPreference(name, value) {
  const preference = PREFERENCES[name];
  if (!preference || !preference.values.includes(value)) return;
  document.documentElement.dataset[preference.attribute] = value;
  document.cookie = `${preference.cookie}=${value}; path=/; max-age=${ONE_YEAR_S}; samesite=lax`;
  document.dispatchEvent(new CustomEvent("interp:preferences", { detail: { name, value } }));
}

for (const select of document.querySelectorAll("select[data-preference]")) {
  select.addEventListener("change", () => setPreference(select.dataset.preference, select.value));
}
