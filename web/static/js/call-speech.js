// Captions read aloud on the call page (docs/protocol.md, "Speech output"): the switch in
// the settings sheet, the languages asked of the server (the one this page reads: on the
// face-to-face view, the resident's half), and the player with Skip and Stop. Silent until
// the person asks; their own typed lines are never read back to them.
import { announce } from "./ui/announcer.js";
import { SpeechPlayer } from "./ui/speech-player.js";
import { fill } from "./ui/text.js";

export class CallSpeech {
  // language(): the language this page reads now; nameOf(code): its name for the reader.
  // shared: one device for two people (face to face), whose one stream carries both: the
  // server reads only translations, so nothing of the listener's own comes back.
  constructor({ send, strings, language, nameOf, shared = false }) {
    this.send = send;
    this.shared = shared;
    this.t = strings;
    this.language = language;
    this.nameOf = nameOf;
    this.toggle = document.getElementById("speech-toggle");
    this.controls = document.getElementById("speech-controls");
    this.notice = document.getElementById("speech-notice");
    this.voices = new Set();
    this.speaking = []; // the languages the server reads aloud to this page
    this.you = null;
    const audio = document.getElementById("speech-audio");
    this.player = audio ? new SpeechPlayer(audio, { onChange: () => this.render() }) : null;
    if (!this.toggle || !this.player) return;
    this.toggle.addEventListener("click", () => this.choose(this.speaking.length ? [] : [this.language()]));
    document.getElementById("speech-skip").addEventListener("click", () => this.player.skip());
    document.getElementById("speech-stop").addEventListener("click", () => this.choose([]));
  }

  onJoined(message) {
    const captions = message.captions || {};
    this.you = message.you || null;
    this.voices = new Set(captions.voices || []);
    this.speaking = captions.speaking || [];
    this.render();
  }

  // Returns true when the message was for speech alone.
  onMessage(message) {
    if (!this.player) return false;
    switch (message.type) {
      case "speech":
        if (this.speaking.includes(message.reading) && !this.ownLine(message)) {
          this.player.push(message);
        }
        return true;
      case "captions.speaking":
        this.speaking = message.languages;
        if (!this.speaking.length) this.player.stop();
        this.render();
        return true;
      case "caption":
        // Someone is speaking: a clip waits until they pause.
        if (!message.final && message.text) this.player.speakerActive();
        return false;
      case "captions.reading":
        // The reader chose another language: what is read aloud follows it.
        if (this.speaking.length && !this.speaking.includes(this.language())) {
          this.choose(this.voices.has(this.language()) ? [this.language()] : []);
        }
        this.render();
        return false;
      default:
        return false;
    }
  }

  close() {
    if (this.player) this.player.stop();
  }

  ownLine(message) {
    return !this.shared && Boolean(this.you) && [this.you.id, `${this.you.id}/chat`].includes(message.stream);
  }

  choose(languages) {
    if (languages.length && !this.voices.has(languages[0])) {
      this.say(fill(this.t.noVoice, { language: this.nameOf(languages[0]) }));
      return;
    }
    this.say("");
    this.send({ type: "captions.speak", languages });
  }

  say(text) {
    if (!this.notice) return;
    this.notice.textContent = text;
    if (text) announce(text);
  }

  render() {
    if (!this.toggle) return;
    const on = this.speaking.length > 0;
    this.toggle.setAttribute("aria-pressed", String(on));
    this.toggle.disabled = !on && !this.voices.has(this.language());
    this.controls.hidden = !on;
    document.getElementById("speech-skip").disabled = !this.player.playing;
  }
}
