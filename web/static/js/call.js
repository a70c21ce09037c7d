// The call page: camera and microphone, one RTCPeerConnection per other participant,
// signalling over the room WebSocket (see docs/protocol.md), live captions
// (call-captions.js; in a machine-interpretation room, the face-to-face view) and text chat
// (call-chat.js).
// Each other participant gets a video tile: one, as large as the screen allows, in a call of
// two; a grid in a meeting of more. In a meeting a guest first waits to be let in, and the
// host's page has the host's controls (meeting-host.js).
import { CallCaptions } from "./call-captions.js";
import { CallChat } from "./call-chat.js";
import { CallSpeech } from "./call-speech.js";
import { FaceToFace } from "./face-to-face.js";
import { MeetingHost } from "./meeting-host.js";
import { announce } from "./ui/announcer.js";
import { closeSheets } from "./ui/sheet.js";
import { pageStrings } from "./ui/strings.js";
import { fill, languageNamer, personName } from "./ui/text.js";
import { ReconnectingSocket } from "./socket.js";

const t = pageStrings();
const config = JSON.parse(document.getElementById("call-config").textContent);
const meeting = config.meeting; // null outside a caseworker's meeting
const m = pageStrings("meeting-strings");
// One id per page load: peers tell a reconnected page (same session) from a reloaded one.
const session = crypto.randomUUID().replaceAll("-", "");
const stateEl = document.getElementById("connection-state");
const failureEl = document.getElementById("call-failure");
const videosEl = document.getElementById("call-videos");
const localVideo = document.getElementById("local-video");
const waitingEl = document.getElementById("meeting-waiting");
const muteButton = document.getElementById("mute-button");
const cameraButton = document.getElementById("camera-button");
const releaseButton = document.getElementById("release-button");
const leaveButton = document.getElementById("leave-button");

let iceServers = [];
let localStream = null;
let ended = false;
let inRoom = false; // joined, and the socket has not dropped since
const peers = new Map(); // participant id -> { session, info, pc, pendingIce, tile, failed }
const host = meeting && meeting.host ? new MeetingHost({ send, meeting, locale: config.locale }) : null;
const faceToFace = config.machine ? new FaceToFace(t, { onStart: startListening }) : null;
const captions = new CallCaptions({
  send,
  strings: t,
  views: captionViews(),
  machine: config.machine,
  microphone: () => (localStream && localStream.getAudioTracks()[0]) || null,
  locale: config.locale,
});

const chat = new CallChat({ send, strings: t });

// Read aloud: what this page reads, on the face-to-face view the resident's half.
const readerView = captions.views.find((view) => view.side !== "desk");
const speech = new CallSpeech({
  send,
  strings: t,
  language: () => readerView.language,
  nameOf: (code) => readerView.nameOf(code),
  shared: config.machine,
});

// The caption display's own Smaller and Larger buttons live in the settings sheet, where a
// call keeps its caption settings (the face-to-face halves keep theirs, one per half).
const captionSizeControls = document.getElementById("caption-size-controls");
if (captionSizeControls) {
  const display = document.getElementById("captions");
  captionSizeControls.append(
    display.querySelector(".captions-smaller"), display.querySelector(".captions-larger"),
  );
}

// In a meeting held in a room, the host's device is what the captions hear: on from the start.
if (meeting && meeting.host && meeting.inRoom) captions.wanted = true;

// Where captions show: one display, or one per half of the face-to-face view.
function captionViews() {
  const names = languageNamer(pageStrings("caption-names"), config.locale);
  const view = (id, side, strings, nameOf) => ({
    container: document.getElementById(id),
    modelNotice: document.getElementById(`${id}-model-notice`),
    language: "",
    side,
    strings,
    nameOf,
  });
  if (!config.machine) return [view("captions", null, t, names)];
  const desk = pageStrings("desk-strings");
  return [
    view("captions-resident", "resident", t, names),
    view("captions-desk", "desk", desk, languageNamer(desk.names || {}, config.deskLocale)),
  ];
}

function setState(text) {
  stateEl.textContent = text;
  document.body.dataset.callState = text;
}

// --- video tiles: the page's own "main" tile for the first peer, more in a grid ---------------

const mainTile = {
  element: document.getElementById("remote-tile"),
  video: document.getElementById("remote-video"),
  label: document.getElementById("remote-label"),
  peerId: null,
};

function newTile() {
  const element = Object.assign(document.createElement("div"), { className: "video-tile peer" });
  const video = Object.assign(document.createElement("video"), { autoplay: true, playsInline: true });
  const label = Object.assign(document.createElement("p"), { className: "video-label" });
  element.append(video, label);
  videosEl.insertBefore(element, document.getElementById("local-tile"));
  return { element, video, label, peerId: null };
}

function layoutTiles() {
  const extra = [...peers.values()].some((peer) => peer.tile && peer.tile !== mainTile);
  videosEl.classList.toggle("grid", extra);
}

// The main tile while it is free (a call of two never uses another); else a tile of its own.
function giveTile(peer) {
  const holder = mainTile.peerId && peers.get(mainTile.peerId);
  const tile = !holder || holder === peer ? mainTile : newTile();
  tile.peerId = peer.info.id;
  peer.tile = tile;
  layoutTiles();
  if (meeting) videosEl.hidden = false;
}

// A peer's tile goes with them. The main tile then takes over another peer's picture, so the
// largest tile is never empty while someone is there.
function takeTile(peer, leftText) {
  const tile = peer.tile;
  peer.tile = null;
  if (!tile) return;
  if (tile !== mainTile) {
    tile.element.remove();
    layoutTiles();
    return;
  }
  const next = [...peers.values()].find((other) => other !== peer && other.tile && other.tile !== mainTile);
  if (!next) {
    mainTile.peerId = null;
    mainTile.video.srcObject = null;
    mainTile.label.textContent = leftText;
    layoutTiles();
    return;
  }
  const old = next.tile;
  mainTile.video.srcObject = old.video.srcObject;
  mainTile.peerId = next.info.id;
  next.tile = mainTile;
  old.element.remove();
  describePeer(next);
  layoutTiles();
}

function describePeer(peer) {
  if (!peer.tile) return;
  const parts = [personName(peer.info, t)];
  if (!peer.info.audio) parts.push(t.peerMuted);
  if (config.media === "video" && !peer.info.video) parts.push(t.peerCameraOff);
  peer.tile.label.textContent = parts.join(" · ");
}

function waitingText() {
  if (config.machine) return t.machineOn;
  if (!meeting) return t.waitingPeer;
  return meeting.inRoom && meeting.host ? m.captionSource : m.waitingOthers;
}

async function startMedia() {
  try {
    localStream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: config.media === "video",
    });
    localVideo.srcObject = localStream;
  } catch (error) {
    const box = document.getElementById("media-error");
    box.replaceChildren(
      ...[t.noMedia, t.noMediaAndroid, t.noMediaIphone].map((text) =>
        Object.assign(document.createElement("p"), { textContent: text })),
    );
    box.hidden = false;
  }
  if (config.media !== "video") document.getElementById("local-tile").hidden = true;
}

function send(message) {
  return socket.send(message);
}

function closePeer(id, leftText = t.peerLeft) {
  const peer = peers.get(id);
  if (!peer) return;
  peer.pc.close();
  takeTile(peer, leftText);
  peers.delete(id);
  if (peer.failed) showFailure();
}

function createPeer(info) {
  const peer = { session: info.session, info, pc: null, pendingIce: [], tile: null, failed: false };
  connect(peer);
  return peer;
}

// Gives the peer a new RTCPeerConnection, closing the one it had.
function connect(peer) {
  if (peer.pc) peer.pc.close();
  const pc = new RTCPeerConnection({ iceServers });
  peer.pc = pc;
  peer.pendingIce = [];
  if (localStream) {
    for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
  } else {
    pc.addTransceiver("audio", { direction: "recvonly" });
    if (config.media === "video") pc.addTransceiver("video", { direction: "recvonly" });
  }
  pc.onicecandidate = ({ candidate }) => {
    send({
      type: "ice",
      to: peer.session,
      candidate: candidate ? candidate.candidate : "",
      sdp_mid: candidate ? candidate.sdpMid : null,
      sdp_mline_index: candidate ? candidate.sdpMLineIndex : null,
    });
  };
  pc.ontrack = ({ streams }) => {
    if (peer.tile) peer.tile.video.srcObject = streams[0];
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "connected") {
      if (savingData) applyVideoLimits(peer);
      // The other page's Try again may be what mended it.
      if (peer.failed) {
        peer.failed = false;
        showFailure();
      }
      setState(t.connected);
      announce(t.connected);
    } else if (pc.connectionState === "failed" && session < peer.session) {
      // Renegotiate with an ICE restart; the smaller session makes the offers (the other
      // only when its person asks to try again).
      negotiate(peer, (current) => offer(peer, current, { iceRestart: true }));
    }
  };
}

async function offer(peer, pc, options = {}) {
  const description = await pc.createOffer(options);
  await pc.setLocalDescription(description);
  send({ type: "offer", to: peer.session, sdp: pc.localDescription.sdp });
}

// A peer we learned of: from "peer.joined" (they arrived) or "peer.present" (they were here).
function meetPeer(info) {
  const existing = peers.get(info.id);
  if (existing && existing.session === info.session) {
    // Back after a dropped WebSocket: the media connection carried on without it.
    existing.info = info;
    describePeer(existing);
    if (existing.pc.connectionState === "connected") setState(t.connected);
    if (!["failed", "closed"].includes(existing.pc.connectionState)) return;
  }
  closePeer(info.id); // a reloaded page: its old connection is dead
  const peer = createPeer(info);
  peers.set(info.id, peer);
  giveTile(peer);
  describePeer(peer);
  setState(t.connecting);
  if (session < info.session) negotiate(peer, (pc) => offer(peer, pc));
}

function peerBySession(from) {
  for (const peer of peers.values()) if (peer.session === from) return peer;
  return null;
}

// The certificate a description's connection proves itself with.
function fingerprint(sdp) {
  const found = /^a=fingerprint:(.+)$/m.exec(sdp || "");
  return found ? found[1].trim() : null;
}

// An offer, answer or ICE candidate from another page.
function onSignal(message) {
  const peer = peerBySession(message.from);
  if (!peer) return;
  if (message.type === "ice") {
    onIce(peer, message);
    return;
  }
  // An offer with another certificate than the one this page knows comes from a new
  // connection on the other page (its Try again). A connection never changes its
  // certificate, so this page makes a new one too.
  const known = peer.pc.remoteDescription && fingerprint(peer.pc.remoteDescription.sdp);
  if (message.type === "offer" && known && known !== fingerprint(message.sdp)) connect(peer);
  negotiate(peer, (pc) => onDescription(peer, pc, message));
}

async function onDescription(peer, pc, message) {
  if (message.type === "offer" && pc.signalingState === "have-local-offer") {
    // Offers crossed: one page tried again while the other's offer waited. The same one
    // gives way on both pages: the smaller session's.
    if (session > peer.session) return;
    await pc.setLocalDescription({ type: "rollback" });
  }
  await pc.setRemoteDescription({ type: message.type, sdp: message.sdp });
  for (const candidate of peer.pendingIce.splice(0)) await addCandidate(pc, candidate);
  if (message.type === "offer") {
    await pc.setLocalDescription(await pc.createAnswer());
    send({ type: "answer", to: peer.session, sdp: pc.localDescription.sdp });
  }
}

function onIce(peer, message) {
  const candidate = message.candidate
    ? { candidate: message.candidate, sdpMid: message.sdp_mid, sdpMLineIndex: message.sdp_mline_index }
    : null;
  if (!peer.pc.remoteDescription) {
    if (candidate) peer.pendingIce.push(candidate);
    return;
  }
  addCandidate(peer.pc, candidate);
}

// A candidate the browser cannot use (one for a connection since replaced or restarted, or
// for an offer this page passed over) is not a failure: others may still connect, and if
// none does the connection fails and is restarted (connect).
function addCandidate(pc, candidate) {
  return pc.addIceCandidate(candidate).catch(() => {});
}

// --- signalling that fails -------------------------------------------------------------------
// A description the browser refuses, or an offer it cannot make, would leave the call at
// "connecting" with nothing said: the person is told, and Try again starts afresh.

// Runs step(pc), one step of signalling on the peer's connection, and shows its failure.
function negotiate(peer, step) {
  const pc = peer.pc;
  step(pc).catch(() => {
    // The peer left, the call ended or the connection was replaced meanwhile: closing it
    // made the step fail, and nothing is wrong.
    if (ended || peers.get(peer.info.id) !== peer || peer.pc !== pc) return;
    peer.failed = true;
    showFailure();
  });
}

// The alert shows while any connection's signalling has failed: once, however many.
function showFailure() {
  if (![...peers.values()].some((peer) => peer.failed)) {
    failureEl.replaceChildren();
    return;
  }
  if (failureEl.childElementCount) return;
  const button = Object.assign(document.createElement("button"), {
    type: "button", className: "button", textContent: t.tryAgain,
  });
  button.addEventListener("click", tryAgain);
  const notice = Object.assign(document.createElement("div"), { className: "notice error" });
  notice.append(Object.assign(document.createElement("p"), { textContent: t.callFailed }), button);
  failureEl.replaceChildren(notice);
}

// A new connection and an offer from this page, whichever page made the first offer: the
// other page answers it on a new connection of its own, or in place of its waiting offer
// (onSignal, onDescription). So a refusal on either side is mended from either.
function tryAgain() {
  const hadFocus = failureEl.contains(document.activeElement);
  for (const peer of peers.values()) {
    if (!peer.failed) continue;
    peer.failed = false;
    connect(peer);
    negotiate(peer, (pc) => offer(peer, pc));
  }
  showFailure();
  setState(t.connecting);
  // The button is gone: focus goes to the line that says how the call is doing.
  if (hadFocus) stateEl.focus();
}

// "Start listening" on the face-to-face view: the microphone opens now, goes to any interpreter
// already connected (on a new connection: theirs had nothing to receive), and to the captioner.
async function startListening() {
  await startMedia();
  for (const peer of peers.values()) {
    connect(peer);
    negotiate(peer, (pc) => offer(peer, pc));
  }
  captions.startListening();
}

function endCall(text, { returnToQueue = false } = {}) {
  if (ended) return;
  ended = true;
  closeSheets();
  captions.close();
  speech.close();
  socket.close();
  for (const id of [...peers.keys()]) closePeer(id);
  if (localStream) for (const track of localStream.getTracks()) track.stop();
  if (returnToQueue) {
    // Handed back before it started: there is no call to give feedback on.
    const feedback = document.getElementById("call-feedback");
    if (feedback) feedback.hidden = true;
    announce(text, { assertive: true });
    window.setTimeout(() => location.assign(config.queueUrl), 1500);
  }
  document.getElementById("call").hidden = true;
  document.getElementById("call-ended-text").textContent = text;
  document.getElementById("call-ended").hidden = false;
  setState(text);
}

function onRoomClosed(reason) {
  if (meeting && reason === "removed") {
    endCall(m.removed);
  } else if (meeting && reason === "ended") {
    endCall(m.ended);
  } else if (reason === "released") {
    const isResident = Boolean(config.hello.token);
    endCall(isResident ? t.released : t.releasedInterpreter, { returnToQueue: isResident });
  } else if (reason === "replaced") {
    endCall(t.replaced);
  } else {
    endCall(t.ended);
  }
}

// A meeting guest waits, seeing and heard by nobody, until the host lets them in; their
// speech cannot be captioned meanwhile.
function setWaiting(now) {
  if (waitingEl) waitingEl.hidden = !now;
  const toggle = document.getElementById("captions-toggle");
  if (toggle) toggle.disabled = now || !captions.available;
  if (now) captions.setWaiting(true);
  chat.setEnabled(!now);
  if (now) setState(m.waitingRoom);
}

function onJoined(message) {
  iceServers = message.ice_servers;
  inRoom = true;
  const waiting = Boolean(meeting && message.waiting);
  setState(peers.size ? t.connecting : waitingText());
  if (waiting) setWaiting(true);
  captions.onJoined(message);
  speech.onJoined(message);
  chat.setEnabled(!waiting);
  if (meeting) setWaiting(waiting);
}

function peerLeft(message) {
  const peer = message.peer;
  if (meeting) {
    const name = personName(peer, t);
    const text = fill(message.reason === "removed" ? m.removedNamed : m.leftNamed, { name });
    closePeer(peer.id, text);
    captions.peerLeft(peer);
    announce(text);
    setState(peers.size ? t.connected : waitingText());
    return;
  }
  closePeer(peer.id);
  captions.peerLeft(peer);
  if (faceToFace) {
    // The computer carries on interpreting; the face-to-face view says who left.
    faceToFace.peerLeft(peer);
    if (!peers.size) setState(t.machineOn);
    return;
  }
  setState(t.peerLeft);
  announce(t.peerLeft);
}

function onMessage(message) {
  if (host && host.onMessage(message)) return;
  if (chat.onMessage(message)) return;
  if (speech.onMessage(message)) return;
  if (captions.onMessage(message)) return;
  switch (message.type) {
    case "joined":
      onJoined(message);
      break;
    case "meeting.consent":
      // The consent panel (consent.js) reads the new answers at once.
      document.dispatchEvent(new CustomEvent("interp:consent"));
      break;
    case "meeting.admitted":
      setWaiting(false);
      captions.setWaiting(false, Boolean(message.captions_for_all));
      setState(peers.size ? t.connecting : waitingText());
      announce(m.admitted, { assertive: true });
      break;
    case "peer.joined":
    case "peer.present":
      if (meeting && message.type === "peer.joined" && !peers.has(message.peer.id)) {
        announce(fill(m.joinedNamed, { name: personName(message.peer, t) }));
      }
      meetPeer(message.peer);
      if (faceToFace) faceToFace.peerArrived(message.peer, { fresh: message.type === "peer.joined" });
      break;
    case "peer.reconnecting": {
      const text = meeting
        ? fill(m.reconnectingNamed, { name: personName(message.peer, t) })
        : t.peerReconnecting;
      setState(text);
      announce(text);
      break;
    }
    case "peer.left":
      peerLeft(message);
      break;
    case "mute": {
      const peer = peers.get(message.peer.id);
      if (peer) {
        peer.info = message.peer;
        describePeer(peer);
      }
      break;
    }
    case "offer":
    case "answer":
    case "ice":
      onSignal(message);
      break;
    case "room.closed":
      onRoomClosed(message.reason);
      break;
    case "error":
      // Refused at hello: this link or account cannot join (any other refusal is about
      // one message and leaves the call as it is).
      if (!inRoom && ["invalid_token", "not_found", "forbidden"].includes(message.code)) {
        endCall(t.linkInvalid);
      }
      break;
  }
}

function sendMuteState() {
  const audio = localStream ? localStream.getAudioTracks().some((track) => track.enabled) : false;
  const video = localStream ? localStream.getVideoTracks().some((track) => track.enabled) : false;
  send({ type: "mute", audio, video });
}

function toggleTracks(tracks, button, onText, offText) {
  const enabled = !tracks.every((track) => !track.enabled);
  for (const track of tracks) track.enabled = !enabled;
  button.setAttribute("aria-pressed", String(enabled));
  // A bar button keeps its icon: only its label changes.
  (button.querySelector(".bar-label") || button).textContent = enabled ? offText : onText;
  sendMuteState();
}

muteButton.addEventListener("click", () => {
  if (localStream) toggleTracks(localStream.getAudioTracks(), muteButton, t.mute, t.unmute);
});
if (cameraButton) {
  cameraButton.addEventListener("click", () => {
    if (localStream) toggleTracks(localStream.getVideoTracks(), cameraButton, t.cameraOff, t.cameraOn);
  });
}
if (releaseButton) releaseButton.addEventListener("click", () => send({ type: "release" }));

// Low-bandwidth mode: cap what this page sends (about 150 kbit/s at half resolution).
const saveDataButton = document.getElementById("save-data-button");
let savingData = false;
function applyVideoLimits(peer) {
  for (const sender of peer.pc.getSenders()) {
    if (!sender.track || sender.track.kind !== "video") continue;
    const parameters = sender.getParameters();
    if (!parameters.encodings || !parameters.encodings.length) continue;
    for (const encoding of parameters.encodings) {
      if (savingData) {
        encoding.maxBitrate = 150000;
        encoding.scaleResolutionDownBy = 2;
      } else {
        delete encoding.maxBitrate;
        encoding.scaleResolutionDownBy = 1;
      }
    }
    sender.setParameters(parameters).catch(() => {});
  }
}
if (saveDataButton) {
  saveDataButton.addEventListener("click", () => {
    savingData = !savingData;
    saveDataButton.setAttribute("aria-pressed", String(savingData));
    announce(savingData ? t.saveDataOn : t.saveData);
    for (const peer of peers.values()) applyVideoLimits(peer);
  });
}
leaveButton.addEventListener("click", () => {
  if (!window.confirm(meeting ? m.confirmLeave : t.confirmLeave)) return;
  send({ type: "leave" });
  endCall(t.ended);
});

// Face to face, the microphone stays closed until the person presses "Start listening".
if (!config.machine) await startMedia();
const hello = { type: "hello", session, ...config.hello };
const socket = new ReconnectingSocket("/ws/room", {
  hello,
  onMessage,
  onState(state) {
    if (state !== "reconnecting") return;
    inRoom = false;
    setState(t.reconnecting);
    captions.connectionLost();
    chat.setEnabled(false); // until the next `joined`: nothing typed meanwhile is lost
  },
  onClosed() {
    if (!ended) setState(t.ended);
  },
});
