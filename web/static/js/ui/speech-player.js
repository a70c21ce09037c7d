// Captions read aloud (docs/protocol.md, "Speech output"): the server's short MP3 clips,
// played one after another through one <audio> element, never while someone is still
// speaking (a partial caption came in the last moment: the listener would hear two voices
// at once), and skipped or stopped at the listener's word. Nothing plays until the person
// asks for it: the page is silent by default.
const QUIET_MS = 900; // how long after the last partial caption a clip may start
const MAX_QUEUED = 6; // a listener far behind hears the newest, not a backlog

function bytesOf(base64) {
  const raw = atob(base64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export class SpeechPlayer {
  // audio: the page's <audio> element; onChange(playing, queued) after every change.
  constructor(audio, { onChange = () => {} } = {}) {
    this.audio = audio;
    this.onChange = onChange;
    this.queue = [];
    this.current = null; // the object URL playing now
    this.heldUntil = 0;
    this.timer = null;
    audio.addEventListener("ended", () => this.next());
    audio.addEventListener("error", () => this.next());
  }

  get playing() {
    return this.current !== null;
  }

  push(message) {
    this.queue.push(URL.createObjectURL(new Blob([bytesOf(message.audio)], { type: message.mime })));
    while (this.queue.length > MAX_QUEUED) URL.revokeObjectURL(this.queue.shift());
    this.changed();
    if (!this.playing) this.playWhenQuiet();
  }

  // Someone is speaking now: wait until they pause.
  speakerActive() {
    this.heldUntil = Date.now() + QUIET_MS;
  }

  skip() {
    this.audio.pause();
    this.next();
  }

  stop() {
    window.clearTimeout(this.timer);
    this.audio.pause();
    for (const url of this.queue) URL.revokeObjectURL(url);
    this.queue = [];
    this.release();
    this.changed();
  }

  next() {
    this.release();
    this.changed();
    this.playWhenQuiet();
  }

  playWhenQuiet() {
    window.clearTimeout(this.timer);
    if (!this.queue.length || this.playing) return;
    const wait = this.heldUntil - Date.now();
    if (wait > 0) {
      this.timer = window.setTimeout(() => this.playWhenQuiet(), wait);
      return;
    }
    this.current = this.queue.shift();
    this.audio.src = this.current;
    this.changed();
    // Refused (no user gesture yet, or a codec missing): go on to the next one.
    this.audio.play().catch(() => this.next());
  }

  release() {
    if (this.current) URL.revokeObjectURL(this.current);
    this.current = null;
  }

  changed() {
    this.onChange(this.playing, this.queue.length);
  }
}
