// Live captions on the call page (protocol: docs/protocol.md, "captions"): the toggle that sends
// this page's microphone to the server's captioner, the language(s) this page reads captions in,
// who is being captioned, and the caption displays. An ordinary call has one display; the
// machine-interpretation view has two, one per reading language, and each `caption` message
// goes to the display whose language is its `reading`.
import { CaptionSender } from "./caption-sender.js";
import { CaptionDisplay, ORIGINAL, captionEvent, readingNotice } from "./ui/captions.js";
import { noticeParagraph } from "./ui/notice.js";
import { fill, listOf, personName, speakerLabel } from "./ui/text.js";

// Errors that always concern captions.start.
const START_ERRORS = new Set(["captions_unavailable", "invalid_offer"]);
// Errors that concern it only while one is waiting for its answer (an SDP over the size
// limit, a room that changed meanwhile).
const PENDING_START_ERRORS = new Set(["invalid", "too_large", "forbidden", "conflict", "not_found"]);
const MAX_RETRIES = 3;
// Arrow keys on a closed <select> fire "change" at every step: send only where they stop.
const LANGUAGE_SETTLE_MS = 300;

export class CallCaptions {
  // views: [{container, language, side, strings, nameOf, modelNotice}]; `side` ("resident" or
  // "desk") marks a half of the face-to-face view, whose reader is "you" when they speak.
  // microphone(): the call's microphone track, or null.
  constructor({ send, strings, views, machine = false, microphone, locale }) {
    this.send = send;
    this.t = strings;
    this.machine = machine;
    this.microphone = microphone;
    this.locale = locale;
    this.views = views.map((view) => ({
      ...view,
      display: new CaptionDisplay(view.container),
      noticed: new Set(), // reading languages already told "no translation model"
    }));
    this.toggle = document.getElementById("captions-toggle");
    this.select = document.getElementById("caption-language");
    this.onForEl = document.getElementById("captions-on-for");
    this.noticeEl = document.getElementById("captions-notice");
    this.you = null;
    this.iceServers = [];
    this.available = false;
    this.joinedOnce = false;
    this.inRoom = false; // joined, and the socket has not dropped since
    this.wanted = false; // this person wants their speech captioned
    this.sender = null;
    this.starting = false; // a captions.start is waiting for its answer
    this.retries = 0;
    this.onFor = new Map(); // participant id -> participant whose captions are on
    this.behind = new Map(); // participant id -> peer whose audio the server is skipping
    this.settleTimer = null;
    this.languagePicked = false; // the reader chose before the server said its default
    this.toggle.addEventListener("click", () => this.setWanted(!this.wanted));
    if (this.select) this.select.addEventListener("change", () => this.languageChosen());
  }

  // --- messages from the room socket ---------------------------------------------------

  // Every `joined`, the first and each after a reconnect: the server starts from its defaults,
  // so the page says again what it reads and, if captions were on, opens a fresh connection.
  // The toggle stays disabled until then: whether captions can start is not known before.
  onJoined(message) {
    const captions = message.captions || { available: false, reason: null, reading: [] };
    const first = !this.joinedOnce;
    this.joinedOnce = true;
    this.inRoom = true;
    this.retries = 0;
    this.you = message.you || null;
    this.iceServers = message.ice_servers || [];
    this.available = Boolean(captions.available);
    this.toggle.disabled = !this.available;
    // The server's reason is in English: the page says it in the reader's language first.
    if (this.available) this.showNotice();
    else this.showNotice(this.t.captionsUnavailable, captions.reason);
    // A dropped socket stopped this page's captions; the others' carry on (peer.left says
    // who went meanwhile).
    if (this.you) this.onFor.delete(this.you.id);
    this.renderOnFor();
    if (first) this.chooseFirstLanguages(captions);
    this.sendLanguages();
    this.closeSender();
    if (this.wanted && this.available) this.startSending();
    else this.setPressed(false);
  }

  // Returns true when the message was about captions.
  onMessage(message) {
    switch (message.type) {
      case "caption":
        this.onCaption(message);
        return true;
      case "captions.answer":
        this.onAnswer(message);
        return true;
      case "captions.state":
        this.onState(message);
        return true;
      case "captions.behind":
        if (message.behind) this.behind.set(message.peer.id, message.peer);
        else this.behind.delete(message.peer.id);
        this.renderOnFor();
        return true;
      case "captions.reading":
      case "captions.stopped":
        return true;
      case "error":
        return this.onError(message);
      default:
        return false;
    }
  }

  // The room socket dropped: the server has let go of this page's caption connection, and
  // the next `joined` starts a fresh one, so nothing is retried meanwhile.
  connectionLost() {
    this.inRoom = false;
  }

  peerLeft(peer) {
    const behind = this.behind.delete(peer.id);
    if (this.onFor.delete(peer.id) || behind) this.renderOnFor();
  }

  close() {
    this.wanted = false;
    this.closeSender();
    this.setPressed(false);
  }

  // --- reading languages -----------------------------------------------------------------

  chooseFirstLanguages(captions) {
    const reading = captions.reading || [];
    if (this.machine) {
      // The resident's half reads their language, the desk half the desk's.
      const local = captions.local_language || "en";
      const own = reading.length === 2 ? reading[0] : (this.you && this.you.language) || local;
      const desk = reading.length === 2 ? reading[1] : local;
      for (const view of this.views) view.language = view.side === "desk" ? desk : own;
      return;
    }
    const language = this.languagePicked ? this.select.value : reading[0] || ORIGINAL;
    this.views[0].language = language;
    if (!this.select) return;
    if (![...this.select.options].some((option) => option.value === language)) {
      this.select.append(new Option(this.views[0].nameOf(language), language));
    }
    this.select.value = language;
  }

  sendLanguages() {
    const languages = [...new Set(this.views.map((view) => view.language))];
    this.send({ type: "captions.language", languages });
  }

  languageChosen() {
    this.languagePicked = true;
    window.clearTimeout(this.settleTimer);
    this.settleTimer = window.setTimeout(() => {
      const view = this.views[0];
      if (view.language === this.select.value) return;
      view.language = this.select.value;
      this.sendLanguages();
      view.display.notice(readingNotice(view.language, this.t, view.nameOf));
    }, LANGUAGE_SETTLE_MS);
  }

  // --- captions ----------------------------------------------------------------------------

  viewsFor(message) {
    if (this.views.length === 1) {
      // A copy for a language this page no longer reads was on its way before the change.
      const stale = message.reading !== undefined && message.reading !== null
        && message.reading !== this.views[0].language;
      return stale ? [] : this.views;
    }
    const reading = message.reading ?? message.language;
    return this.views.filter((view) => view.language === reading);
  }

  onCaption(message) {
    for (const view of this.viewsFor(message)) {
      const reading = message.reading ?? view.language;
      // An untranslated partial for a translated reader is foreign words that its final will
      // replace; shown only where the language has no model at all.
      if (!message.final && message.available === false && !view.noticed.has(reading)) continue;
      const label = this.ownLine(message) ? view.strings.you : this.labelFor(message.speaker, view);
      view.display.push(captionEvent(message, label));
      // Judged on finals: a partial may go untranslated while its final gets an English
      // translation from the speech model itself.
      if (message.final && message.text && message.available === false) this.noModel(view, reading);
    }
  }

  // Said once per language: there is no translation, so the words are as they were spoken.
  noModel(view, language) {
    if (view.noticed.has(language) || !view.modelNotice) return;
    view.noticed.add(language);
    view.modelNotice.append(
      noticeParagraph(fill(view.strings.noModel, { language: view.nameOf(language) })),
    );
  }

  // A line this participant typed: its stream is theirs (docs/protocol.md, Chat).
  ownLine(message) {
    return message.kind === "chat" && Boolean(this.you) && message.stream === `${this.you.id}/chat`;
  }

  labelFor(speaker, view) {
    const s = view.strings;
    if (speaker && view.side) {
      // One device, two readers: each half calls its own reader's words "You".
      if (speaker.role === view.side) return s.you;
      if (speaker.role === "resident") return s.resident;
      if (speaker.role === "desk") return s.desk;
    }
    return speakerLabel(speaker, s);
  }

  // --- who is captioned ----------------------------------------------------------------------

  onState(message) {
    if (!message.peer) return;
    if (message.on) this.onFor.set(message.peer.id, message.peer);
    else this.onFor.delete(message.peer.id);
    this.renderOnFor();
  }

  peerName(peer) {
    if (this.you && peer.id === this.you.id) return this.t.you;
    return personName(peer, this.t);
  }

  renderOnFor() {
    if (!this.onForEl) return;
    const names = [...this.onFor.values()].map((peer) => this.peerName(peer));
    let text = names.length
      ? fill(this.t.captionsOnFor, { names: listOf(names, this.locale) })
      : this.t.captionsOffForAll;
    if (this.behind.size) {
      const behind = [...this.behind.values()].map((peer) => this.peerName(peer));
      text += " " + fill(this.t.captionsBehind, { names: listOf(behind, this.locale) });
    }
    this.onForEl.textContent = text;
  }

  // --- this page's microphone to the captioner ------------------------------------------------

  // Face to face: the person pressed "Start listening". Before the room has said whether
  // captions can start, the wish waits for `joined` (onJoined starts them then).
  startListening() {
    this.wanted = true;
    if (this.available && this.inRoom) this.setWanted(true);
  }

  setWanted(wanted) {
    this.wanted = wanted;
    if (wanted) {
      this.retries = 0;
      this.startSending();
      return;
    }
    const wasSending = Boolean(this.sender);
    this.closeSender();
    this.setPressed(false);
    this.showNotice();
    if (wasSending) this.send({ type: "captions.stop" });
  }

  async startSending() {
    this.closeSender();
    const track = this.microphone();
    if (!track) {
      this.fail(this.t.captionsNeedMicrophone);
      return;
    }
    let sender = null;
    try {
      sender = new CaptionSender(track, {
        iceServers: this.iceServers,
        onStateChange: (state) => this.senderState(sender, state),
      });
    } catch {
      // A connection the browser will not make (an ICE server setting it refuses, say).
      this.fail(this.t.captionsFailed);
      return;
    }
    this.sender = sender;
    this.setPressed(true);
    // The server may first have to load its speech model: say that something is happening.
    this.showNotice(this.t.captionsStarting);
    let sdp = null;
    try {
      sdp = await sender.offer();
    } catch {
      if (this.sender === sender) this.fail(this.t.captionsFailed);
      return;
    }
    if (this.sender !== sender || !sdp) return;
    this.starting = true;
    // With the socket down the offer is lost; the next `joined` starts a fresh connection.
    this.send({ type: "captions.start", sdp });
  }

  async onAnswer(message) {
    this.starting = false;
    const sender = this.sender;
    if (!sender) return;
    try {
      await sender.accept(message.sdp);
      if (this.sender === sender) this.showNotice();
    } catch {
      if (this.sender === sender) this.fail(this.t.captionsFailed);
    }
  }

  senderState(sender, state) {
    if (sender !== this.sender) return;
    if (state === "connected") {
      this.retries = 0;
      this.showNotice();
    } else if (state === "failed" && this.inRoom) {
      if (this.retries >= MAX_RETRIES) {
        this.fail(this.t.captionsFailed);
        return;
      }
      this.retries += 1;
      this.showNotice(this.t.captionsReconnecting);
      window.setTimeout(() => {
        if (this.sender === sender && this.wanted && this.inRoom) this.startSending();
      }, 1000 * this.retries);
    }
  }

  onError(message) {
    const aboutStart = START_ERRORS.has(message.code)
      || (this.starting && PENDING_START_ERRORS.has(message.code));
    if (!aboutStart) return false;
    this.starting = false;
    if (message.code === "captions_unavailable") {
      this.available = false;
      this.toggle.disabled = true;
      this.fail(this.t.captionsUnavailable, message.message);
      return true;
    }
    this.fail(this.t.captionsFailed, message.message);
    return true;
  }

  fail(...lines) {
    this.wanted = false;
    this.closeSender();
    this.setPressed(false);
    this.showNotice(...lines);
  }

  closeSender() {
    this.starting = false;
    if (this.sender) this.sender.close();
    this.sender = null;
  }

  // Face to face, the label says the state too, not only aria-pressed or a colour.
  setPressed(on) {
    this.toggle.setAttribute("aria-pressed", String(on));
    if (this.machine) this.toggle.textContent = on ? this.t.listening : this.t.paused;
  }

  // The notice area is a role="status" region that stays in the page, so each new text is read.
  showNotice(...lines) {
    if (!this.noticeEl) return;
    const texts = lines.filter(Boolean);
    if (!texts.length) {
      this.noticeEl.replaceChildren();
      return;
    }
    const notice = Object.assign(document.createElement("div"), { className: "notice info" });
    notice.append(...texts.map((text) => Object.assign(document.createElement("p"), { textContent: text })));
    this.noticeEl.replaceChildren(notice);
  }
}
