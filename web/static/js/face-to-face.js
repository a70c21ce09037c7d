// The machine-interpretation view: one device on the desk between a resident and a member of
// staff, each reading captions in their own language on their own half of the screen. The top
// half is turned round for someone sitting opposite (Settings turns it back). An interpreter
// can still join: then the page says so and shows them, and the captions carry on.
import { announce } from "./ui/announcer.js";
import { noticeParagraph } from "./ui/notice.js";
import { chime, vibrate } from "./ui/sound.js";

export class FaceToFace {
  // onStart(): opens the microphone and starts captions; nothing listens before it is called.
  constructor(strings, { onStart }) {
    this.t = strings;
    this.startButton = document.getElementById("start-listening");
    this.banner = document.getElementById("machine-banner");
    this.toggle = document.getElementById("captions-toggle");
    this.startButton.addEventListener("click", async () => {
      this.startButton.disabled = true;
      await onStart();
      // One control from now on: the toggle takes the start button's place, and its focus;
      // the explanation over the two halves goes, and they show their captions.
      this.startButton.hidden = true;
      this.banner.hidden = true;
      this.toggle.hidden = false;
      this.toggle.focus();
    });
    this.turnButton = document.getElementById("turn-around");
    this.topHalf = document.getElementById("desk-half");
    this.videos = document.getElementById("call-videos");
    this.status = document.getElementById("interpreter-status");
    this.interpreters = new Set();
    this.turnButton.addEventListener("click", () => {
      const turned = !this.topHalf.classList.contains("facing-away");
      this.topHalf.classList.toggle("facing-away", turned);
      this.turnButton.setAttribute("aria-pressed", String(turned));
    });
  }

  // fresh: they arrived now (peer.joined), not already here when this page joined.
  peerArrived(peer, { fresh }) {
    if (peer.role !== "interpreter" || this.interpreters.has(peer.id)) return;
    this.interpreters.add(peer.id);
    this.videos.hidden = false;
    this.say(this.t.interpreterJoined, "success");
    announce(this.t.interpreterJoined, { assertive: fresh });
    if (fresh) {
      vibrate();
      chime();
    }
  }

  peerLeft(peer) {
    if (!this.interpreters.delete(peer.id)) return;
    if (!this.interpreters.size) this.videos.hidden = true;
    this.say(this.t.interpreterLeft, "info");
    announce(this.t.interpreterLeft);
  }

  // Shown, not a live region: announce() already speaks it, once.
  say(text, kind) {
    this.status.replaceChildren(noticeParagraph(text, kind));
  }
}
