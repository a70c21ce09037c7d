// Text chat in a call: the box under the captions. A typed line goes to the server as
// `chat.send` (docs/protocol.md) and comes back to every page, this one included, as a
// caption marked `kind: "chat"`, so the caption log is the only place lines are shown.
import { fill } from "./ui/text.js";

// As interp.domain.chat.MAX_CHAT_CHARS: the server refuses longer lines.
const MAX_CHARS = 500;
// The counter shows once this few characters are left.
const COUNT_FROM = 50;
// A refusal that comes this soon after a line was sent is about that line.
const REFUSAL_WINDOW_MS = 5000;
const REFUSALS = new Set(["invalid", "waiting", "rate_limited"]);

// One line, as the server keeps it: runs of whitespace become one space.
function tidy(text) {
  return text.replace(/\s+/g, " ").trim();
}

export class CallChat {
  // send(message): true when the socket took it; strings: the page's strings.
  constructor({ send, strings }) {
    this.send = send;
    this.t = strings;
    this.form = document.getElementById("chat-form");
    this.sentAt = 0;
    if (!this.form) return; // the face-to-face view has no chat: one device, two people
    this.input = document.getElementById("chat-text");
    this.button = document.getElementById("chat-send");
    this.count = document.getElementById("chat-count");
    this.error = document.getElementById("chat-error");
    this.input.maxLength = MAX_CHARS;
    // A form's submit is Enter in the box as well as the button.
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("input", () => {
      this.showError("");
      this.renderCount();
    });
  }

  // Whether this page may chat now: joined, and not a guest still waiting to be let in.
  setEnabled(enabled) {
    if (!this.form) return;
    this.input.disabled = !enabled;
    this.button.disabled = !enabled;
  }

  submit() {
    const text = tidy(this.input.value);
    if (!text) return this.showError(this.t.chatEmpty);
    if (text.length > MAX_CHARS) return this.showError(this.t.chatTooLong);
    if (!this.send({ type: "chat.send", text })) return this.showError(this.t.chatNotSent);
    this.sentAt = Date.now();
    this.input.value = "";
    this.showError("");
    this.renderCount();
  }

  // Returns true when the message was a refusal of the line just sent.
  onMessage(message) {
    if (message.type !== "error" || !this.form || !REFUSALS.has(message.code)) return false;
    if (Date.now() - this.sentAt > REFUSAL_WINDOW_MS) return false;
    this.sentAt = 0;
    this.showError(message.code === "rate_limited" ? this.t.chatTooFast : this.t.chatNotSent);
    return true;
  }

  renderCount() {
    const left = MAX_CHARS - this.input.value.length;
    this.count.hidden = left > COUNT_FROM;
    this.count.textContent = left > COUNT_FROM ? "" : fill(this.t.chatCharactersLeft, { count: left });
  }

  showError(text) {
    this.error.textContent = text || "";
    this.input.setAttribute("aria-invalid", text ? "true" : "false");
  }
}
