// The call page: camera and microphone, one RTCPeerConnection per other participant,
// signalling over the room WebSocket (see docs/protocol.md), and live captions
// (call-captions.js; in a machine-interpretation room, the face-to-face view).
import { CallCaptions, languageNamer } from "./call-captions.js";
import { FaceToFace } from "./face-to-face.js";
import { announce } from "./ui/announcer.js";
import { pageStrings } from "./ui/strings.js";
import { ReconnectingSocket } from "./socket.js";

const t = pageStrings();
const config = JSON.parse(document.getElementById("call-config").textContent);
// One id per page load: peers tell a reconnected page (same session) from a reloaded one.
const session = crypto.randomUUID().replaceAll("-", "");
const stateEl = document.getElementById("connection-state");
const remoteVideo = document.getElementById("remote-video");
const remoteLabel = document.getElementById("remote-label");
const localVideo = document.getElementById("local-video");
const muteButton = document.getElementById("mute-button");
const cameraButton = document.getElementById("camera-button");
const releaseButton = document.getElementById("release-button");
const leaveButton = document.getElementById("leave-button");

let iceServers = [];
let localStream = null;
let ended = false;
const peers = new Map(); // participant id -> { session, info, pc, pendingIce }
const faceToFace = config.machine ? new FaceToFace(t) : null;
const captions = new CallCaptions({
  send,
  strings: t,
  views: captionViews(),
  machine: config.machine,
  microphone: () => (localStream && localStream.getAudioTracks()[0]) || null,
  locale: config.locale,
});

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

function roleName(info) {
  return info.name || t[info.role] || info.role;
}

function describePeer(peer) {
  const parts = [roleName(peer.info)];
  if (!peer.info.audio) parts.push(t.peerMuted);
  if (config.media === "video" && !peer.info.video) parts.push(t.peerCameraOff);
  remoteLabel.textContent = parts.join(" · ");
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

function closePeer(id) {
  const peer = peers.get(id);
  if (!peer) return;
  peer.pc.close();
  peers.delete(id);
}

function createPeer(info) {
  const pc = new RTCPeerConnection({ iceServers });
  const peer = { session: info.session, info, pc, pendingIce: [] };
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
    remoteVideo.srcObject = streams[0];
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "connected") {
      if (savingData) applyVideoLimits(peer);
      setState(t.connected);
      announce(t.connected);
    } else if (pc.connectionState === "failed" && session < peer.session) {
      // Renegotiate with an ICE restart; the smaller session always makes the offers.
      offer(peer, { iceRestart: true });
    }
  };
  describePeer(peer);
  return peer;
}

async function offer(peer, options = {}) {
  const description = await peer.pc.createOffer(options);
  await peer.pc.setLocalDescription(description);
  send({ type: "offer", to: peer.session, sdp: peer.pc.localDescription.sdp });
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
  setState(t.connecting);
  if (session < info.session) offer(peer);
}

function peerBySession(from) {
  for (const peer of peers.values()) if (peer.session === from) return peer;
  return null;
}

async function onDescription(message) {
  const peer = peerBySession(message.from);
  if (!peer) return;
  await peer.pc.setRemoteDescription({ type: message.type, sdp: message.sdp });
  for (const candidate of peer.pendingIce.splice(0)) await peer.pc.addIceCandidate(candidate);
  if (message.type === "offer") {
    await peer.pc.setLocalDescription(await peer.pc.createAnswer());
    send({ type: "answer", to: peer.session, sdp: peer.pc.localDescription.sdp });
  }
}

async function onIce(message) {
  const peer = peerBySession(message.from);
  if (!peer) return;
  const candidate = message.candidate
    ? { candidate: message.candidate, sdpMid: message.sdp_mid, sdpMLineIndex: message.sdp_mline_index }
    : null;
  if (!peer.pc.remoteDescription) {
    if (candidate) peer.pendingIce.push(candidate);
    return;
  }
  await peer.pc.addIceCandidate(candidate);
}

function endCall(text, { returnToQueue = false } = {}) {
  if (ended) return;
  ended = true;
  captions.close();
  socket.close();
  for (const id of [...peers.keys()]) closePeer(id);
  if (localStream) for (const track of localStream.getTracks()) track.stop();
  if (returnToQueue) {
    announce(text, { assertive: true });
    window.setTimeout(() => location.assign(config.queueUrl), 1500);
  }
  document.getElementById("call").hidden = true;
  document.getElementById("call-ended-text").textContent = text;
  document.getElementById("call-ended").hidden = false;
  setState(text);
}

function onRoomClosed(reason) {
  if (reason === "released") {
    const isResident = Boolean(config.hello.token);
    endCall(isResident ? t.released : t.releasedInterpreter, { returnToQueue: isResident });
  } else if (reason === "replaced") {
    endCall(t.replaced);
  } else {
    endCall(t.ended);
  }
}

function onMessage(message) {
  if (captions.onMessage(message)) return;
  switch (message.type) {
    case "joined":
      iceServers = message.ice_servers;
      setState(peers.size ? t.connecting : config.machine ? t.machineOn : t.waitingPeer);
      captions.onJoined(message);
      break;
    case "peer.joined":
    case "peer.present":
      meetPeer(message.peer);
      if (faceToFace) faceToFace.peerArrived(message.peer, { fresh: message.type === "peer.joined" });
      break;
    case "peer.reconnecting":
      setState(t.peerReconnecting);
      announce(t.peerReconnecting);
      break;
    case "peer.left":
      closePeer(message.peer.id);
      captions.peerLeft(message.peer);
      remoteVideo.srcObject = null;
      remoteLabel.textContent = t.peerLeft;
      if (faceToFace) {
        // The computer carries on interpreting; the face-to-face view says who left.
        faceToFace.peerLeft(message.peer);
        if (!peers.size) setState(t.machineOn);
        break;
      }
      setState(t.peerLeft);
      announce(t.peerLeft);
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
      onDescription(message);
      break;
    case "ice":
      onIce(message);
      break;
    case "room.closed":
      onRoomClosed(message.reason);
      break;
    case "error":
      if (["invalid_token", "not_found", "forbidden"].includes(message.code)) endCall(t.linkInvalid);
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
  button.textContent = enabled ? offText : onText;
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
  if (!window.confirm(t.confirmLeave)) return;
  send({ type: "leave" });
  endCall(t.ended);
});

await startMedia();
const hello = { type: "hello", session, ...config.hello };
const socket = new ReconnectingSocket("/ws/room", {
  hello,
  onMessage,
  onState(state) {
    if (state !== "reconnecting") return;
    setState(t.reconnecting);
    captions.connectionLost();
  },
  onClosed() {
    if (!ended) setState(t.ended);
  },
});
