// Text the page scripts put together from the page's own strings (ui/strings.js): values put
// into translated sentences, lists, and the names of people and languages.

// Strings come from the page with "{name}" where a value goes.
export function fill(template, values) {
  return (template || "").replace(/\{(\w+)\}/g, (match, key) => values[key] ?? match);
}

// "A, B and C", as the page's language says it.
export function listOf(items, locale = document.documentElement.lang) {
  try {
    return new Intl.ListFormat(locale, { type: "conjunction" }).format(items);
  } catch {
    return items.join(", ");
  }
}

// A language's name: from the page (translated by the server), else the browser's own list.
export function languageNamer(names, locale) {
  let display = null;
  try {
    display = new Intl.DisplayNames([locale], { type: "language" });
  } catch {
    // Older browsers: the code itself is the last resort.
  }
  return (code) => {
    if (names[code]) return names[code];
    try {
      return (code && display && display.of(code)) || code;
    } catch {
      return code;
    }
  };
}

// A participant ({name, role}) as others see them: their name, else their role.
// roles: the page's strings, keyed by role.
export function personName(person, roles) {
  return person.name || roles[person.role] || person.role;
}

// Who said a caption: "Name (Role)", or whichever of the two is known.
export function speakerLabel(speaker, roles) {
  if (!speaker) return "";
  const role = roles[speaker.role] || "";
  if (!speaker.name) return role;
  return role && role !== speaker.name ? `${speaker.name} (${role})` : speaker.name;
}
