// Live caption display. Renders into a container made by templates/ui/captions.html:
//   - final captions go into a role="log" region (a screen reader reads each new one),
//     one block per speaker turn, each block at most two lines: longer text continues in
//     a new block, so a reader's eye never has to track a wall of moving text;
//   - the speaker's name shows where the speaker changes, not on every block: a new
//     utterance of the same speaker carries it visually hidden, so a screen reader still
//     says who speaks (the blocks one utterance is split into are read together);
//   - tentative (partial) text is shown apart, in italics and a different colour, hidden
//     from screen readers (it changes every second), and the final text replaces it;
//   - once a machine-translated caption arrives, one quiet line at the top of the panel says
//     so (and describes the log to screen readers); the translated blocks carry a class only;
//   - a line typed in the chat carries a small "typed" marker: it was not spoken;
//   - Pause stops the flow so a person can scroll back and read; "Jump to latest" returns;
//   - the caption text size is adjustable and remembered.
// Events: {stream, seq, start_s, end_s, text, language, final, speaker, translated, typed,
// voice}: `speaker` is the label shown; `voice` who speaks (default: the stream), so that a
// speaker's typed lines and spoken words count as one speaker, and a stream whose label
// changes (a shared device, a room microphone) as several.
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

function readStoredSize(key) {
  try {
    const stored = window.localStorage.getItem(key);
    return SIZES.includes(stored) ? stored : "1";
  } catch {
    return "1";
  }
}

export class CaptionDisplay {
  constructor(container, { strings } = {}) {
    this.container = container;
    this.strings = strings || JSON.parse(container.dataset.strings || "{}");
    this.segments = new Map(); // "stream:seq" -> final event (or {notice}), in arrival order
    this.tentative = new Map(); // stream -> partial event
    this.lastFinalSeq = new Map(); // stream -> seq of its latest final
    this.notices = 0;
    this.paused = false;
    this.build();
    // A page with several displays (the face-to-face halves) keeps a size for each.
    const own = container.dataset.captionSizeKey;
    this.sizeKey = own ? `${SIZE_KEY}.${own}` : SIZE_KEY;
    this.setSize(readStoredSize(this.sizeKey));
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
    this.pauseButton = element("button", { type: "button", class: "secondary captions-pause", "aria-pressed": "false" }, s.pause);
    this.smallerButton = element("button", { type: "button", class: "secondary captions-smaller" }, s.smallerText);
    this.largerButton = element("button", { type: "button", class: "secondary captions-larger" }, s.largerText);
    this.latestButton = element("button", { type: "button", class: "captions-latest", hidden: "" }, s.jumpToLatest);
    toolbar.append(this.pauseButton, this.smallerButton, this.largerButton, this.latestButton);
    // tabindex: a scrollable region must be reachable by keyboard to scroll it back.
    this.log = element("div", {
      class: "captions-log", role: "log", "aria-live": "polite", tabindex: "0",
      "aria-label": s.captionsLabel || "",
    });
    this.tentativeArea = element("div", { class: "captions-tentative-area", "aria-hidden": "true" });
    // Said once per panel, not on every block: shown with the first translated caption.
    this.translationNotice = element("p", {
      class: "captions-translation-notice", id: `${this.container.id || "captions"}-translated`,
      hidden: "",
    }, s.machineTranslated);
    this.container.append(toolbar, this.translationNotice, this.log, this.tentativeArea);

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
    if (event.translated && event.text.trim()) this.showTranslationNotice();
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

  // A line of the panel's own between captions ("Reading in Spanish"); kept in its place when
  // the blocks are laid out again. The next caption after it names its speaker again.
  notice(text) {
    const wasAtBottom = this.atBottom();
    this.trim();
    this.notices += 1;
    const key = `notice:${this.notices}`;
    this.segments.set(key, { notice: text });
    this.log.append(this.makeNotice(key, text));
    this.followLatest(wasAtBottom);
  }

  showTranslationNotice() {
    if (!this.translationNotice.hidden) return;
    this.translationNotice.hidden = false;
    this.log.setAttribute("aria-describedby", this.translationNotice.id);
  }

  clear() {
    this.segments.clear();
    this.tentative.clear();
    this.lastFinalSeq.clear();
    this.log.textContent = "";
    this.translationNotice.hidden = true;
    this.log.removeAttribute("aria-describedby");
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
      window.localStorage.setItem(this.sizeKey, size);
    } catch {
      // Private browsing may refuse storage; the size still applies to this page.
    }
    this.relayout();
  }

  // --- rendering -------------------------------------------------------------------------

  // The first block of an utterance carries its label (speaker's name, and "typed" for a
  // typed line); markSpeakers() decides whether the name shows. Blocks it continues in
  // carry none.
  makeBlock(event, text, key, first = true) {
    const block = element("div", { class: "caption-block" });
    if (key) block.dataset.key = key;
    block.dataset.voice = voiceOf(event);
    if (event.translated) block.classList.add("caption-translated");
    if (first) {
      // dir=auto: a caption in another script than the page's reads in its own direction.
      const label = element("span", { class: "caption-speaker", dir: "auto" });
      label.append(element("span", { class: "caption-name" }, event.speaker || ""));
      if (event.typed) label.append(element("span", { class: "caption-typed" }, this.strings.typed));
      block.append(label);
    }
    const body = element("p", { class: "caption-text", dir: "auto" }, text);
    if (event.language) body.lang = event.language;
    block.append(body);
    return block;
  }

  makeNotice(key, text) {
    const notice = element("p", { class: "caption-notice" }, text);
    notice.dataset.key = key;
    return notice;
  }

  // Shows each utterance's speaker name only where the speaker changed from the block
  // before (or after a notice); elsewhere the name stays for screen readers alone.
  markSpeakers() {
    let previous = null;
    for (const node of this.log.children) {
      if (!node.classList.contains("caption-block")) {
        previous = null;
        continue;
      }
      const voice = node.dataset.voice;
      const label = node.querySelector(":scope > .caption-speaker");
      if (label) {
        const same = voice === previous;
        const typed = label.querySelector(".caption-typed");
        label.querySelector(".caption-name").classList.toggle("visually-hidden", same && Boolean(typed));
        label.classList.toggle("visually-hidden", same && !typed);
      }
      previous = voice;
    }
  }

  // Splits text into blocks of at most MAX_LINES lines each, measured in the live layout.
  blocksFor(key, event, place) {
    const blocks = [];
    let words = event.text.trim().split(/\s+/).filter(Boolean);
    while (words.length) {
      const block = this.makeBlock(event, words.join(" "), key, !blocks.length);
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

  appendBlocks(key, event, mark = true) {
    if (event.notice !== undefined) this.log.append(this.makeNotice(key, event.notice));
    else this.blocksFor(key, event, (block) => this.log.append(block));
    if (mark) this.markSpeakers();
  }

  replaceSegment(key, event) {
    const old = [...this.log.querySelectorAll(".caption-block")].filter((b) => b.dataset.key === key);
    if (!old.length) return this.appendBlocks(key, event);
    this.blocksFor(key, event, (block) => old[0].before(block));
    old.forEach((block) => block.remove());
    this.markSpeakers();
  }

  renderTentative() {
    this.tentativeArea.textContent = "";
    const last = this.log.lastElementChild;
    const lastVoice = last && last.classList.contains("caption-block") ? last.dataset.voice : null;
    for (const event of this.tentative.values()) {
      const block = this.makeBlock(event, event.text.trim());
      block.classList.add("caption-tentative");
      // Several people speaking at once are told apart; one goes on from their last block.
      if (this.tentative.size === 1 && voiceOf(event) === lastVoice) {
        block.querySelector(".caption-speaker").hidden = true;
      }
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
    for (const [key, event] of this.segments) this.appendBlocks(key, event, false);
    this.markSpeakers();
    this.renderTentative();
    if (!this.paused) this.scrollToLatest();
    requestAnimationFrame(() => this.log.setAttribute("aria-live", this.paused ? "off" : "polite"));
  }

  trim() {
    let trimmed = false;
    while (this.segments.size >= KEEP_SEGMENTS) {
      const oldest = this.segments.keys().next().value;
      this.segments.delete(oldest);
      [...this.log.children].forEach((node) => {
        if (node.dataset.key === oldest) node.remove();
      });
      trimmed = true;
    }
    if (trimmed) this.markSpeakers();
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

// Who speaks in an event: its voice, else its stream; and the label, since one stream may
// carry several people (a shared device, a room microphone whose host names each speaker).
function voiceOf(event) {
  return `${event.voice ?? event.stream}\n${event.speaker || ""}`;
}

// --- from the protocol to the display --------------------------------------------------------

// A `caption` message (docs/protocol.md) as the display shows it; speaker: its label.
// A typed line's stream is its writer's id followed by "/chat": the same voice as their speech.
export function captionEvent(message, speaker) {
  const typed = message.kind === "chat";
  return {
    stream: message.stream,
    seq: message.seq,
    start_s: message.start_s,
    end_s: message.end_s,
    text: message.text,
    language: message.language,
    final: Boolean(message.final),
    translated: Boolean(message.translated),
    typed,
    voice: typed ? String(message.stream).replace(/\/chat$/, "") : message.stream,
    speaker,
  };
}

// What a reader is told when their captions change language; strings: the page's readingIn
// and readingOriginal, nameOf(code): a language's name.
export function readingNotice(language, strings, nameOf) {
  if (language === ORIGINAL) return strings.readingOriginal;
  return fill(strings.readingIn, { language: nameOf(language) });
}
