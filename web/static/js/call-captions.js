// Live captions on the call page (protocol: docs/protocol.md, "captions"): the toggle that sends
// this page's microphone to the server's captioner, the language(s) this page reads captions in,
// who is being captioned, and the caption displays. An ordinary call has one display; the
// machine-interpretation view has two, one per reading language, and each `caption` message
// goes to the display whose language is its `reading`.
import { CaptionSender } from "./caption-sender.js";
import { CaptionDisplay, ORIGINAL, captionEvent, readingNotice } from "./ui/captions.js";
import { announce } from "./ui/announcer.js";
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
    // Captions for everyone (docs/protocol.md, "Captions for everyone"): while on, this page
    // sends its speaker's audio without being asked, unless its person stopped their own.
    this.forAll = false;
    this.asked = false; // the resident asked for captions on their request
    this.autoStarted = false; // this page's captions started because they are on for all
    this.ownStopped = false; // its person stopped their own while they were on for all
    this.waiting = false; // a meeting guest not let in yet: nothing of theirs is captioned
    this.switching = false; // a captions.all is waiting for the room's answer
    this.allButton = document.getElementById("call-captions-button");
    this.indicator = document.getElementById("captions-indicator");
    this.toggle.addEventListener("click", () => this.ownToggled());
    if (this.allButton) {
      if (machine) this.allButton.hidden = true; // one shared device: it always listens
      this.allButton.addEventListener("click", () => this.switchForAll());
    }
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
    this.switching = false;
    this.asked = Boolean(captions.asked);
    // Started below, with a fresh connection, if that makes this page want captions.
    this.setForAll(Boolean(captions.for_all), null, { start: false });
    if (first && this.asked) this.leadWithCaptions();
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
      case "captions.all":
        this.switching = false;
        this.setForAll(message.on, message.by);
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

  // A meeting guest waits to be let in, or has been (`captions_for_all`: the room's state
  // then, which a waiting page is not told as it changes).
  setWaiting(waiting, forAll = this.forAll) {
    this.waiting = waiting;
    this.renderForAll();
    if (!waiting) this.setForAll(forAll);
  }

  close() {
    this.wanted = false;
    this.closeSender();
    this.setPressed(false);
  }

  // --- captions for everyone -------------------------------------------------------------

  switchForAll() {
    if (this.switching) return;
    this.switching = true;
    this.send({ type: "captions.all", on: !this.forAll });
  }

  // `by`: who switched them (from captions.all); none when the page learns the state on
  // joining. Switched on, every page starts its captions (a person who had stopped their
  // own too: that is what was asked for); switched off, only those that started on their own.
  setForAll(on, by = null, { start = true } = {}) {
    const changed = on !== this.forAll;
    this.forAll = on;
    this.renderForAll();
    if (changed && by) {
      const name = this.you && by.id === this.you.id ? this.t.you : personName(by, this.t);
      announce(fill(on ? this.t.callCaptionsTurnedOn : this.t.callCaptionsTurnedOff, { name }));
    }
    // The shared device of machine interpretation listens only once "Start listening" is pressed.
    if (this.machine) return;
    if (on && changed) this.ownStopped = false;
    if (on && !this.wanted && !this.ownStopped && !this.waiting) {
      this.autoStarted = true;
      this.wanted = true;
      if (start && this.available && this.inRoom) this.setWanted(true);
    } else if (!on && this.autoStarted) {
      this.autoStarted = false;
      if (this.wanted) this.setWanted(false);
    }
  }

  // The person's own "Caption what I say": stopping it while captions are on for everyone
  // is theirs to do, and stays so until captions are switched on for everyone again.
  ownToggled() {
    const wanted = !this.wanted;
    this.autoStarted = false;
    this.ownStopped = !wanted && this.forAll;
    this.setWanted(wanted);
  }

  // Always in view, in the status line: whether anyone's speech is turned into text, and
  // whether the server is skipping some of it (the sheet says the same in more words).
  renderIndicator() {
    if (!this.indicator) return;
    const names = [...this.onFor.values()].map((peer) => this.peerName(peer));
    let text = "";
    if (this.forAll) text = this.t.callCaptionsOn;
    else if (names.length) text = fill(this.t.captionsOnFor, { names: listOf(names, this.locale) });
    if (this.behind.size) {
      const behind = [...this.behind.values()].map((peer) => this.peerName(peer));
      text += " " + fill(this.t.captionsBehind, { names: listOf(behind, this.locale) });
    }
    this.indicator.textContent = text.trim();
    this.indicator.hidden = !text;
  }

  renderForAll() {
    this.renderIndicator();
    if (!this.allButton) return;
    // When the resident asked for captions, only they may switch them off (the server says so too).
    const locked = this.forAll && this.asked && (!this.you || this.you.role !== "resident");
    this.allButton.setAttribute("aria-pressed", String(this.forAll));
    this.allButton.disabled = !this.available || this.waiting || locked;
    // The short label stays ("Captions"); aria-pressed and the indicator say the state, and
    // the tooltip what a press does.
    this.allButton.title = this.forAll ? this.t.stopCaptionsForAll : this.t.captionsForAll;
  }

  // The resident asked for captions: their page puts captions first, and everyone is told why.
  leadWithCaptions() {
    if (this.you && this.you.role === "resident" && !this.machine) {
      const layout = document.getElementById("call");
      if (layout) layout.classList.add("captions-first");
    }
    announce(this.t.askedForCaptions);
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
      view.display.push(captionEvent(message, this.labelFor(message, view)));
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

  // Words this participant said or typed: the stream is theirs (docs/protocol.md, "caption":
  // their id, and their id followed by "/chat" for typed lines). Not so on a shared device,
  // whose halves say whose words are whose, nor on a host's microphone while its words are
  // credited to someone the host named (role "speaker").
  ownLine(message, view) {
    if (!this.you) return false;
    if (message.kind === "chat") return message.stream === `${this.you.id}/chat`;
    const speaker = message.speaker || {};
    return !view.side && message.stream === this.you.id && speaker.role !== "speaker";
  }

  labelFor(message, view) {
    const s = view.strings;
    const speaker = message.speaker;
    if (this.ownLine(message, view)) return s.you;
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
    this.renderIndicator();
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
    if (this.switching && message.code === "forbidden") {
      // Someone else changed captions for everyone first; their captions.all follows.
      this.switching = false;
      return true;
    }
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
