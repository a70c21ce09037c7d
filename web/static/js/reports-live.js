// The reports page's "Right now" panel, read again every half minute while the page is
// in view, so the coordinator sees who waits without reloading. Not a live region: a
// screen reader would hear the whole panel each time; it reads the panel when it gets there.
const panel = document.getElementById("live-panel");
const REFRESH_MS = 30000;

async function refresh() {
  if (document.hidden || panel.contains(document.activeElement)) return;
  try {
    const response = await fetch(panel.dataset.refresh, { headers: { accept: "text/html" } });
    // Signed out meanwhile, the answer is the sign-in page: not something to put here.
    if (response.ok && !response.redirected) panel.innerHTML = await response.text();
  } catch {
    // Offline for a moment: the panel keeps what it showed, and the next turn tries again.
  }
}

if (panel) {
  setInterval(refresh, REFRESH_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
}
