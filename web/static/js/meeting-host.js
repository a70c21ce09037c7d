// The host's controls on a meeting's call page (protocol: docs/protocol.md, "Meetings"):
// guests waiting to be let in, the people in the meeting (each can be removed), ending the
// meeting for everyone, and in a meeting held in a room, who is speaking now: the name the
// captions of this device's microphone carry.
import { announce } from "./ui/announcer.js";
import { chime } from "./ui/sound.js";
import { pageStrings } from "./ui/strings.js";
import { fill, languageNamer } from "./ui/text.js";

// Errors that answer a host action (the server names the problem; the page says it).
const HOST_ERRORS = new Set(["full", "not_found", "conflict", "forbidden", "invalid"]);

function element(tag, properties = {}, ...children) {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

export class MeetingHost {
  constructor({ send, meeting, locale }) {
    this.send = send;
    this.meeting = meeting;
    this.t = pageStrings("meeting-host-strings");
    this.waitingList = document.getElementById("waiting-list");
    this.waitingNone = document.getElementById("waiting-none");
    this.peopleList = document.getElementById("people-list");
    this.peopleCount = document.getElementById("people-count");
    this.errorEl = document.getElementById("host-error");
    this.speakerChoices = document.getElementById("speaker-choices");
    this.speakerNow = document.getElementById("speaker-now");
    this.waiting = new Map(); // participant id -> guest waiting to be let in
    this.people = new Map(); // participant id -> someone else in the meeting
    this.pending = false; // a host action waits for its answer
    this.speaker = ""; // who this device's microphone hears ("": the host)
    this.languageName = languageNamer({}, locale);

    this.endButton = document.getElementById("end-meeting");
    this.endFirst = document.getElementById("end-first");
    this.endButton.addEventListener("click", () => this.askToEnd());
    document.getElementById("end-now").addEventListener("click", () => this.act({ type: "meeting.end" }));
    document.getElementById("end-not-yet").addEventListener("click", () => {
      this.endFirst.hidden = true;
      this.endButton.focus();
    });
    this.waitingList.addEventListener("click", (event) => this.onListClick(event));
    this.peopleList.addEventListener("click", (event) => this.onListClick(event));
    if (this.speakerChoices) {
      this.speakerChoices.addEventListener("click", (event) => {
        const button = event.target.closest("[data-speaker]");
        if (button) this.nameSpeaker(button.dataset.speaker);
      });
      document.getElementById("speaker-form").addEventListener("submit", (event) => {
        event.preventDefault();
        const input = document.getElementById("speaker-name");
        const name = input.value.trim();
        if (!name) return;
        this.addSpeakerChoice(name);
        this.nameSpeaker(name);
        input.value = "";
      });
    }
    this.renderPeople();
  }

  // Returns true when the message was for the host's controls alone.
  onMessage(message) {
    switch (message.type) {
      case "joined":
        // A new connection starts from the host's own voice: say again who is speaking.
        if (this.speaker) this.send({ type: "captions.speaker", name: this.speaker });
        return false;
      case "peer.joined":
      case "peer.present":
        this.people.set(message.peer.id, message.peer);
        this.renderPeople();
        return false;
      case "peer.left":
        this.people.delete(message.peer.id);
        this.renderPeople();
        return false;
      case "mute":
        return false;
      case "meeting.waiting":
        this.pending = false;
        this.onWaiting(message.waiting || []);
        return true;
      case "captions.speaker":
        this.pending = false;
        this.showSpeaker(message.name);
        return true;
      case "error":
        if (!this.pending || !HOST_ERRORS.has(message.code)) return false;
        this.pending = false;
        this.showError(message.code === "full"
          ? this.t.full
          : message.message);
        return true;
      default:
        return false;
    }
  }

  act(message) {
    this.showError("");
    this.pending = true;
    this.send(message);
  }

  // Where the organisation deletes transcripts when their meeting ends, the host is offered
  // the transcript before the end rather than left with nothing.
  async askToEnd() {
    if (await this.transcriptGoesWithIt()) {
      this.endFirst.hidden = false;
      document.getElementById("end-first-heading").focus();
      return;
    }
    if (window.confirm(this.t.confirmEnd)) this.act({ type: "meeting.end" });
  }

  async transcriptGoesWithIt() {
    try {
      const response = await fetch(`/api/meetings/${encodeURIComponent(this.meeting.id)}/consent`, {
        headers: { accept: "application/json" },
      });
      if (!response.ok) return false;
      const state = await response.json();
      return state.retention.days === 0 && state.kept > 0;
    } catch {
      return false; // unknown: ending stays possible, with the usual question
    }
  }

  onListClick(event) {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const { action, participant, name } = button.dataset;
    if (action === "admit") {
      this.act({ type: "meeting.admit", participant });
    } else if (action === "remove" && window.confirm(fill(this.t.removeWho, { name }))) {
      this.act({ type: "meeting.remove", participant });
    }
  }

  // --- who waits -----------------------------------------------------------------------------

  onWaiting(guests) {
    const arrived = guests.filter((guest) => !this.waiting.has(guest.id));
    this.waiting = new Map(guests.map((guest) => [guest.id, guest]));
    this.renderWaiting();
    if (arrived.length) {
      chime();
      announce(arrived.map((guest) => fill(this.t.waitingArrived, { name: guest.name })).join(" "));
    }
  }

  personItem(person, actions) {
    const details = [this.t[person.role] || person.role, this.languageName(person.language)]
      .filter(Boolean).join(", ");
    const item = element("li", { className: "person cluster" },
      element("span", { className: "person-name", textContent: person.name || details }),
      element("span", { className: "hint", textContent: `(${details})` }));
    for (const [action, text, label, kind] of actions) {
      const button = element("button", {
        type: "button", className: `button ${kind}`, textContent: text,
      });
      button.dataset.action = action;
      button.dataset.participant = person.id;
      button.dataset.name = person.name;
      button.setAttribute("aria-label", fill(label, { name: person.name }));
      item.append(button);
    }
    return item;
  }

  renderWaiting() {
    const items = [...this.waiting.values()].map((guest) => this.personItem(guest, [
      ["admit", this.t.letIn, this.t.letInWho, ""],
      ["remove", this.t.remove, this.t.removeLabel, "secondary"],
    ]));
    this.waitingList.replaceChildren(...items);
    this.waitingNone.hidden = items.length > 0;
  }

  // --- who is in -------------------------------------------------------------------------------

  renderPeople() {
    const items = [...this.people.values()].map((person) => this.personItem(person,
      person.role === "caseworker" ? [] : [["remove", this.t.remove, this.t.removeLabel, "secondary"]]));
    this.peopleList.replaceChildren(...items);
    document.getElementById("people-none").hidden = items.length > 0;
    if (!this.meeting.inRoom) {
      const count = this.people.size + 1; // and the host
      this.peopleCount.textContent = fill(this.t.count, { count });
    }
  }

  // --- who is speaking (a meeting in a room) ---------------------------------------------------

  addSpeakerChoice(name) {
    const known = [...this.speakerChoices.querySelectorAll("[data-speaker]")]
      .some((button) => button.dataset.speaker === name);
    if (known) return;
    const button = element("button", { type: "button", className: "button secondary", textContent: name });
    button.dataset.speaker = name;
    button.setAttribute("aria-pressed", "false");
    this.speakerChoices.append(button);
  }

  nameSpeaker(name) {
    this.speaker = name;
    this.act({ type: "captions.speaker", name });
  }

  showSpeaker(name) {
    this.speaker = name;
    if (!this.speakerChoices) return;
    for (const button of this.speakerChoices.querySelectorAll("[data-speaker]")) {
      button.setAttribute("aria-pressed", String(button.dataset.speaker === name));
    }
    this.speakerNow.textContent = fill(this.t.nowSpeaking, { name: name || this.t.hostName });
  }

  showError(text) {
    this.errorEl.hidden = !text;
    this.errorEl.replaceChildren(...(text ? [element("p", { textContent: text })] : []));
  }
}
