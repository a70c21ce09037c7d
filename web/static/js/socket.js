// A WebSocket to the server that reconnects with backoff after a drop and says hello
// again each time. The server closes with 1000 or a 44xx code when there is nothing to
// come back to (call over, link invalid): then it stays closed.

const FINAL_CODES = new Set([1000, 4401, 4403, 4404, 4408]);
const MAX_DELAY_MS = 10000;

export class ReconnectingSocket {
  constructor(path, { hello = null, onMessage, onState = () => {}, onClosed = () => {} }) {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
    this.hello = hello;
    this.onMessage = onMessage;
    this.onState = onState;
    this.onClosed = onClosed;
    this.attempt = 0;
    this.stopped = false;
    this.ws = null;
    this.connect();
  }

  connect() {
    this.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      if (this.hello) ws.send(JSON.stringify(this.hello));
      this.onState("open");
    };
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      this.onMessage(message);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      if (this.stopped || FINAL_CODES.has(event.code)) {
        this.stopped = true;
        this.onClosed(event.code);
        return;
      }
      // Exponential backoff with jitter, so a restarted server is not stormed.
      const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
      this.attempt += 1;
      this.onState("reconnecting");
      window.setTimeout(() => this.connect(), delay);
    };
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  close() {
    this.stopped = true;
    if (this.ws) this.ws.close(1000);
  }
}

// What a page's connection line says for a state given to onState.
export function connectionText(state, strings) {
  if (state === "open") return strings.connected;
  return state === "reconnecting" ? strings.reconnecting : strings.connecting;
}
