// Live caption display. Renders into a container made by templates/ui/captions.html:
//   - final captions go into a role="log" region (a screen reader reads each new one),
//     one block per speaker turn, each block at most two lines: longer text continues in
//     a new block, so a reader's eye never has to track a wall of moving text;
//   - tentative (partial) text is shown apart, in italics and a different colour, hidden
//     from screen readers (it changes every second), and the final text replaces it;
//   - machine-translated text carries a visible "machine translation" label;
//   - a line typed in the chat carries a "typed" label: it was not spoken;
//   - Pause stops the flow so a person can scroll back and read; "Jump to latest" returns;
//   - the caption text size is adjustable and remembered.
// Events: {stream, seq, start_s, end_s, text, language, final, speaker, translated, typed}.
// A final replaces its stream's tentative text; a final with the same stream and seq as an
// earlier one replaces it (a correction or a translation); a partial older than the
// stream's latest final is ignored; a final with empty text only clears the tentative line.
import { fill } from "./text.js";

// The reading "language" of each speaker's own words, untranslated.
export const ORIGINAL = "original";

const MAX_LINES = 2;
const KEEP_SEGMENTS = 400;
const SIZE_KEY = "interp.captionSize";
const SIZES = ["0", "1", "2", "3", "4"];

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function lineCount(node) {
  const lineHeight = parseFloat(getComputedStyle(node).lineHeight);
  const height = node.getBoundingClientRect().height;
  if (!lineHeight || !height) return 1;
  return Math.round(height / lineHeight);
}

function readStoredSize() {
  try {
    const stored = window.localStorage.getItem(SIZE_KEY);
    return SIZES.includes(stored) ? stored : "1";
  } catch {
    return "1";
  }
}

export class CaptionDisplay {
  constructor(container, { strings } = {}) {
    this.container = container;
    this.strings = strings || JSON.parse(container.dataset.strings || "{}");
    this.segments = new Map(); // "stream:seq" -> final event, in arrival order
    this.tentative = new Map(); // stream -> partial event
    this.lastFinalSeq = new Map(); // stream -> seq of its latest final
    this.paused = false;
    this.build();
    this.setSize(readStoredSize());
    // Blocks are split to fit the width; split them again when the width changes.
    let lastWidth = this.log.clientWidth;
    new ResizeObserver(() => {
      if (this.log.clientWidth !== lastWidth) {
        lastWidth = this.log.clientWidth;
        this.relayout();
      }
    }).observe(this.log);
    // The page's own text size (preferences.js) changes the caption size too.
    document.addEventListener("interp:preferences", () => this.relayout());
  }

  build() {
    const s = this.strings;
    this.container.classList.add("captions");
    const toolbar = element("div", { class: "captions-toolbar" });
    this.pauseButton = element("button", { type: "button", class: "secondary", "aria-pressed": "false" }, s.pause);
    this.smallerButton = element("button", { type: "button", class: "secondary" }, s.smallerText);
    this.largerButton = element("button", { type: "button", class: "secondary" }, s.largerText);
    this.latestButton = element("button", { type: "button", hidden: "" }, s.jumpToLatest);
    toolbar.append(this.pauseButton, this.smallerButton, this.largerButton, this.latestButton);
    // tabindex: a scrollable region must be reachable by keyboard to scroll it back.
    this.log = element("div", {
      class: "captions-log", role: "log", "aria-live": "polite", tabindex: "0",
      "aria-label": s.captionsLabel || "",
    });
    this.tentativeArea = element("div", { class: "captions-tentative-area", "aria-hidden": "true" });
    this.container.append(toolbar, this.log, this.tentativeArea);

    this.pauseButton.addEventListener("click", () => this.setPaused(!this.paused));
    this.latestButton.addEventListener("click", () => {
      this.setPaused(false);
      this.scrollToLatest();
    });
    this.smallerButton.addEventListener("click", () => this.setSize(SIZES[SIZES.indexOf(this.size) - 1]));
    this.largerButton.addEventListener("click", () => this.setSize(SIZES[SIZES.indexOf(this.size) + 1]));
    this.log.addEventListener("scroll", () => {
      if (this.atBottom()) this.latestButton.hidden = true;
    });
  }

  push(event) {
    if (!event || typeof event.text !== "string") return;
    const key = `${event.stream}:${event.seq}`;
    if (event.final) {
      const partial = this.tentative.get(event.stream);
      if (partial && partial.seq <= event.seq) this.tentative.delete(event.stream);
      this.renderTentative();
      const last = this.lastFinalSeq.get(event.stream);
      if (last === undefined || event.seq > last) this.lastFinalSeq.set(event.stream, event.seq);
      // An empty final means the partials were noise: clearing the tentative line is all.
      if (!event.text.trim() && !this.segments.has(key)) return;
      const wasAtBottom = this.atBottom();
      if (this.segments.has(key)) {
        this.segments.set(key, event);
        this.replaceSegment(key, event);
      } else {
        this.trim();
        this.segments.set(key, event);
        this.appendBlocks(key, event);
      }
      this.followLatest(wasAtBottom);
    } else {
      // A partial that arrives after its final (or a later one) is stale: never undo a final.
      if (event.seq <= (this.lastFinalSeq.get(event.stream) ?? -Infinity)) return;
      this.tentative.set(event.stream, event);
      this.renderTentative();
    }
  }

  notice(text) {
    const wasAtBottom = this.atBottom();
    this.log.append(element("p", { class: "caption-notice" }, text));
    this.followLatest(wasAtBottom);
  }

  clear() {
    this.segments.clear();
    this.tentative.clear();
    this.lastFinalSeq.clear();
    this.log.textContent = "";
    this.renderTentative();
  }

  setPaused(paused) {
    this.paused = paused;
    this.pauseButton.setAttribute("aria-pressed", String(paused));
    this.pauseButton.textContent = paused ? this.strings.resume : this.strings.pause;
    // While paused the log is quiet too, so a screen reader user can review in peace.
    this.log.setAttribute("aria-live", paused ? "off" : "polite");
    if (!paused) this.scrollToLatest();
  }

  setSize(size) {
    if (!SIZES.includes(size)) return;
    this.size = size;
    this.container.dataset.captionSize = size;
    this.smallerButton.disabled = size === SIZES[0];
    this.largerButton.disabled = size === SIZES[SIZES.length - 1];
    try {
      window.localStorage.setItem(SIZE_KEY, size);
    } catch {
      // Private browsing may refuse storage; the size still applies to this page.
    }
    this.relayout();
  }

  // --- rendering -------------------------------------------------------------------------

  makeBlock(event, text, key) {
    const block = element("div", { class: "caption-block" });
    if (key) block.dataset.key = key;
    // dir=auto: a caption in another script than the page's reads in its own direction.
    const speaker = element("span", { class: "caption-speaker", dir: "auto" }, event.speaker || "");
    if (event.typed) speaker.append(element("span", { class: "caption-typed" }, this.strings.typed));
    if (event.translated) {
      speaker.append(element("span", { class: "caption-badge" }, this.strings.machineTranslated));
    }
    const body = element("p", { class: "caption-text", dir: "auto" }, text);
    if (event.language) body.lang = event.language;
    block.append(speaker, body);
    return block;
  }

  // Splits text into blocks of at most MAX_LINES lines each, measured in the live layout.
  blocksFor(key, event, place) {
    const blocks = [];
    let words = event.text.trim().split(/\s+/).filter(Boolean);
    while (words.length) {
      const block = this.makeBlock(event, words.join(" "), key);
      place(block);
      const body = block.querySelector(".caption-text");
      let fit = words.length;
      if (lineCount(body) > MAX_LINES) {
        // Largest word count that still fits, by binary search (at least one word).
        let low = 1;
        let high = words.length - 1;
        while (low < high) {
          const middle = Math.ceil((low + high) / 2);
          body.textContent = words.slice(0, middle).join(" ");
          if (lineCount(body) <= MAX_LINES) low = middle;
          else high = middle - 1;
        }
        fit = low;
        body.textContent = words.slice(0, fit).join(" ");
      }
      blocks.push(block);
      words = words.slice(fit);
      place = ((previous) => (next) => previous.after(next))(block);
    }
    return blocks;
  }

  appendBlocks(key, event) {
    this.blocksFor(key, event, (block) => this.log.append(block));
  }

  replaceSegment(key, event) {
    const old = [...this.log.querySelectorAll(".caption-block")].filter((b) => b.dataset.key === key);
    if (!old.length) return this.appendBlocks(key, event);
    this.blocksFor(key, event, (block) => old[0].before(block));
    old.forEach((block) => block.remove());
  }

  renderTentative() {
    this.tentativeArea.textContent = "";
    for (const event of this.tentative.values()) {
      const block = this.makeBlock(event, event.text.trim());
      block.classList.add("caption-tentative");
      this.tentativeArea.append(block);
      // Show only the newest words that fit in two lines.
      const body = block.querySelector(".caption-text");
      const words = event.text.trim().split(/\s+/);
      while (words.length > 1 && lineCount(body) > MAX_LINES) {
        words.shift();
        body.textContent = words.join(" ");
      }
    }
  }

  relayout() {
    if (!this.log) return;
    // Rebuilding is not news: keep the screen reader quiet while the blocks are re-split.
    this.log.setAttribute("aria-live", "off");
    this.log.textContent = "";
    for (const [key, event] of this.segments) this.appendBlocks(key, event);
    this.renderTentative();
    if (!this.paused) this.scrollToLatest();
    requestAnimationFrame(() => this.log.setAttribute("aria-live", this.paused ? "off" : "polite"));
  }

  trim() {
    while (this.segments.size >= KEEP_SEGMENTS) {
      const oldest = this.segments.keys().next().value;
      this.segments.delete(oldest);
      this.log.querySelectorAll(".caption-block").forEach((block) => {
        if (block.dataset.key === oldest) block.remove();
      });
    }
  }

  atBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 4;
  }

  scrollToLatest() {
    this.log.scrollTop = this.log.scrollHeight;
    this.latestButton.hidden = true;
  }

  // New captions scroll into view unless the reader paused or scrolled back to read;
  // then "Jump to latest" appears instead of yanking the text away from them.
  followLatest(wasAtBottom) {
    if (!this.paused && wasAtBottom) this.scrollToLatest();
    else this.latestButton.hidden = this.atBottom();
  }
}

// --- from the protocol to the display --------------------------------------------------------

// A `caption` message (docs/protocol.md) as the display shows it; speaker: its label.
export function captionEvent(message, speaker) {
  return {
    stream: message.stream,
    seq: message.seq,
    start_s: message.start_s,
    end_s: message.end_s,
    text: message.text,
    language: message.language,
    final: Boolean(message.final),
    translated: Boolean(message.translated),
    typed: message.kind === "chat",
    speaker,
  };
}

// What a reader is told when their captions change language; strings: the page's readingIn
// and readingOriginal, nameOf(code): a language's name.
export function readingNotice(language, strings, nameOf) {
  if (language === ORIGINAL) return strings.readingOriginal;
  return fill(strings.readingIn, { language: nameOf(language) });
}
