// Consent in meetings: on a participant's page, the question whether a transcript may be
// kept; on the host's page, who has agreed (and the answers of speakers in the room, which
// the host records). Both show whether a transcript is being kept. The state comes from
// /api/meetings/<id>/consent (see docs/protocol.md): at once when the room socket says it
// changed, and every few seconds in any case.
import { fill } from "./ui/text.js";

const REFRESH_MS = 5000;
const QUICK_REFRESH_MS = 1000;
const QUICK_LOOKS = 15;
const GONE = [401, 403, 404, 410];

class ConsentView {
  constructor(root) {
    this.root = root;
    this.config = JSON.parse(root.querySelector("[data-consent-config]").textContent);
    this.t = this.config.strings;
    this.url = `/api/meetings/${encodeURIComponent(this.config.meeting)}/consent`;
    this.list = root.querySelector("[data-consent-list]");
    this.keeping = root.querySelector("[data-consent-keeping]");
    this.mine = root.querySelector("[data-consent-mine]");
    this.error = root.querySelector("[data-consent-error]");
    this.retention = root.querySelector("[data-consent-retention]");
    this.kept = root.querySelector("[data-consent-kept]");
    this.count = root.querySelector("[data-consent-count]");
    this.answers = [...root.querySelectorAll("[data-consent-answer]")];
    this.state = null;
    this.shown = "";
    this.stopped = false;
    this.quickLooks = QUICK_LOOKS;
    for (const button of this.answers) {
      button.addEventListener("click", () => this.answer(button.dataset.consentAnswer === "agree"));
    }
    // The host's buttons for speakers in the room are redrawn with the list.
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-record-for]");
      if (button) this.answer(button.dataset.agree === "true", button.dataset.recordFor);
    });
  }

  headers(withBody) {
    const headers = { accept: "application/json" };
    if (withBody) headers["content-type"] = "application/json";
    // A guest proves who they are with their call link; staff with their session.
    if (this.config.token) headers["x-participant-token"] = this.config.token;
    else headers["x-csrf-token"] = this.config.csrf;
    return headers;
  }

  async refresh() {
    try {
      const response = await fetch(this.url, { headers: this.headers(false) });
      if (response.ok) {
        this.show(await response.json());
      } else if (GONE.includes(response.status)) {
        // The meeting is over or this page's link no longer works: nothing more to show.
        this.stopped = true;
        for (const button of this.answers) button.disabled = true;
      }
    } catch {
      // Offline for a moment: the next refresh tries again.
    }
  }

  async answer(agreed, participant = null) {
    const body = participant ? { agreed, participant } : { agreed };
    let response = null;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: this.headers(true),
        body: JSON.stringify(body),
      });
    } catch {
      response = null;
    }
    if (!response || !response.ok) {
      // 409: the meeting ended meanwhile.
      this.error.textContent = response && response.status === 409 ? this.t.ended : this.t.saveFailed;
      this.error.hidden = false;
      return;
    }
    this.error.hidden = true;
    this.show(await response.json());
  }

  show(state) {
    this.state = state;
    const you = state.you;
    if (this.mine) {
      const mine = you ? you.consent : null;
      this.mine.textContent =
        mine === "agreed" ? this.t.mineAgreed : mine === "declined" ? this.t.mineDeclined : this.t.mineUnanswered;
      for (const button of this.answers) {
        const agree = button.dataset.consentAnswer === "agree";
        button.setAttribute("aria-pressed", String(mine === (agree ? "agreed" : "declined")));
        button.disabled = state.ended || !you;
      }
    }
    const keeping = state.ended ? this.t.ended : state.keeping ? this.t.keeping : this.t.notKeeping;
    // A status region: screen readers say it when it changes, whoever changed it.
    if (this.keeping.textContent !== keeping) this.keeping.textContent = keeping;
    this.retention.textContent = state.retention.text;
    if (this.kept && state.kept !== undefined) {
      this.kept.hidden = false;
      this.kept.querySelector("[data-consent-kept-count]").textContent = String(state.kept);
    }
    if (this.count) {
      const agreed = state.participants.filter((p) => p.consent === "agreed").length;
      this.count.textContent = fill(this.t.count, { agreed, total: state.participants.length });
    }
    this.drawList(state);
  }

  drawList(state) {
    // Redrawn only when something changed, so a refresh never takes focus from a button.
    const drawn = JSON.stringify([state.participants, state.you, state.ended, state.host]);
    if (drawn === this.shown) return;
    this.shown = drawn;
    const focused = document.activeElement && this.list.contains(document.activeElement)
      ? document.activeElement.dataset.key : null;
    this.list.replaceChildren();
    if (!state.participants.length) {
      const item = document.createElement("li");
      item.textContent = this.t.nobody;
      this.list.append(item);
    }
    for (const person of state.participants) this.list.append(this.item(person, state));
    if (focused) {
      const again = this.list.querySelector(`[data-key="${focused}"]`);
      if (again) again.focus();
    }
  }

  item(person, state) {
    const t = this.t;
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "consent-name";
    const yours = state.you && person.id === state.you.id;
    name.textContent = yours ? `${person.name} ${t.you}` : person.name;
    const role = document.createElement("span");
    role.className = "muted";
    role.textContent = t.roles[person.role] || person.role;
    const answer = document.createElement("span");
    answer.className = `badge consent-${person.consent || "unanswered"}`;
    answer.textContent =
      person.consent === "agreed" ? t.agreed : person.consent === "declined" ? t.declined : t.unanswered;
    item.append(name, role, answer);
    if (person.recorded_by_host && person.consent) {
      const how = document.createElement("span");
      how.className = "muted";
      how.textContent = t.recordedByHost;
      item.append(how);
    }
    if (state.host && person.in_room && !state.ended) {
      const buttons = document.createElement("span");
      buttons.className = "cluster";
      for (const agree of [true, false]) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button secondary";
        button.dataset.recordFor = person.id;
        button.dataset.agree = String(agree);
        button.dataset.key = `${person.id}-${agree}`;
        button.setAttribute("aria-pressed", String(person.consent === (agree ? "agreed" : "declined")));
        button.textContent = agree ? t.recordAgreed : t.recordDeclined;
        const whose = document.createElement("span");
        whose.className = "visually-hidden";
        whose.textContent = ` ${fill(t.recordFor, { name: person.name })}`;
        button.append(whose);
        buttons.append(button);
      }
      item.append(buttons);
    }
    return item;
  }

  // A page that has only just joined is not in the list yet: look again soon, for a while.
  nextDelay() {
    const state = this.state;
    const absent = this.mine && state && state.you &&
      !state.participants.some((p) => p.id === state.you.id);
    if (absent && this.quickLooks > 0) {
      this.quickLooks -= 1;
      return QUICK_REFRESH_MS;
    }
    return REFRESH_MS;
  }

  async start() {
    await this.refresh();
    while (!this.stopped && !(this.state && this.state.ended)) {
      await new Promise((resolve) => window.setTimeout(resolve, this.nextDelay()));
      if (document.visibilityState === "visible") await this.refresh();
    }
  }
}

for (const root of document.querySelectorAll("[data-consent]")) {
  const view = new ConsentView(root);
  // On a call page the room socket says when answers change (call.js); elsewhere the
  // regular refresh is all there is.
  document.addEventListener("interp:consent", () => view.refresh());
  view.start();
}
