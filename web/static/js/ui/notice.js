// A notice paragraph in the page's notice style; kind: "info", "success" or "error".
export function noticeParagraph(text, kind = "info") {
  return Object.assign(document.createElement("p"), { className: `notice ${kind}`, textContent: text });
}
