// The send-only peer connection that carries this page's microphone to the server's captioner.
// It is apart from the call's browser-to-browser connections: the server hears a speaker only
// while their captions are on. The offer is sent whole (no trickle ICE), so the page waits for
// candidate gathering to finish, or GATHER_LIMIT_MS at most, before handing it over.

const GATHER_LIMIT_MS = 3000;

function gatheringComplete(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      window.clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    // Enough candidates are usually in well before this; a slow STUN server must not stall captions.
    const timer = window.setTimeout(done, GATHER_LIMIT_MS);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

export class CaptionSender {
  // track: the microphone track the call already uses (never a second getUserMedia).
  // onStateChange(state): the connection's state ("connected", "failed", ...).
  constructor(track, { iceServers = [], onStateChange = () => {} } = {}) {
    this.pc = new RTCPeerConnection({ iceServers });
    this.pc.addTransceiver(track, { direction: "sendonly" });
    this.pc.addEventListener("connectionstatechange", () => onStateChange(this.pc.connectionState));
    this.closed = false;
  }

  // The complete SDP offer to send as captions.start; null if closed meanwhile.
  async offer() {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await gatheringComplete(this.pc);
    return this.closed ? null : this.pc.localDescription.sdp;
  }

  async accept(sdp) {
    if (this.closed) return;
    await this.pc.setRemoteDescription({ type: "answer", sdp });
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.pc.close();
  }
}
