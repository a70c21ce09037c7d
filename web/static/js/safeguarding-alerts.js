// A coordinator's open page hears of safeguarding reports the moment they are made
// (/ws/coordinator): the count in the navigation follows, and a new report shows an
// alert that screen readers announce. Without this script the count is as of page load.

import { ReconnectingSocket } from "./socket.js";

const link = document.getElementById("safeguarding-nav");
const badge = document.getElementById("safeguarding-count");
const alertBox = document.getElementById("safeguarding-alert");
const pageNotice = document.getElementById("safeguarding-new");

function showCount(unseen) {
  badge.hidden = unseen === 0;
  const [visible, spoken] = badge.children;
  visible.textContent = String(unseen);
  spoken.textContent = link.dataset.countLabel.replace("{num}", String(unseen));
  badge.dataset.unseen = String(unseen);
}

if (link && badge) {
  new ReconnectingSocket("/ws/coordinator", {
    onMessage(message) {
      if (message.type !== "safeguarding") return;
      showCount(message.unseen);
      if (message.report) {
        alertBox.hidden = false;
        if (pageNotice) pageNotice.hidden = false;
      }
    },
  });
}
