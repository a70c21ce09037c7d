// Sheets: a <dialog class="sheet"> that slides up from the bottom of a phone's screen (a panel
// in the middle on a wide one), as settings do in a video-call app. A button with
// data-sheet="<id>" opens the dialog as a modal: the browser keeps focus inside, Escape closes
// it, and focus goes back to the button. A click on the dimmed page around it closes it too.
// A sheet that the page renders open is shown from the start, without the modal's dimming and
// without taking focus, over the part of the page it sits in (a meeting's consent question
// and host controls).
// A notice's [data-dismiss] button hides that notice.

function openSheet(dialog, opener) {
  // A sheet shown at the start is not modal: it is closed and opened again as one.
  if (dialog.open) dialog.close();
  dialog.showModal();
  dialog.returnFocusTo = opener;
}

for (const dialog of document.querySelectorAll("dialog.sheet")) {
  for (const close of dialog.querySelectorAll("[data-sheet-close]")) {
    close.addEventListener("click", () => dialog.close());
  }
  // The dialog's own box fills its padding edge: a click on the backdrop lands on the dialog.
  dialog.addEventListener("click", (event) => {
    if (event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const outside = event.clientX < box.left || event.clientX > box.right
      || event.clientY < box.top || event.clientY > box.bottom;
    if (outside) dialog.close();
  });
  dialog.addEventListener("close", () => {
    const opener = dialog.returnFocusTo;
    dialog.returnFocusTo = null;
    if (opener && opener.isConnected && !opener.closest("[hidden]")) opener.focus();
  });
  // A modal sheet closes on Escape by itself; one shown from the start closes on it too.
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && dialog.open) dialog.close();
  });
}

for (const button of document.querySelectorAll("[data-sheet]")) {
  const dialog = document.getElementById(button.dataset.sheet);
  if (dialog) button.addEventListener("click", () => openSheet(dialog, button));
}

for (const button of document.querySelectorAll("[data-dismiss]")) {
  button.addEventListener("click", () => {
    button.closest(".notice").hidden = true;
  });
}

// Closes every open sheet (the call ended: what they held is gone).
export function closeSheets() {
  for (const dialog of document.querySelectorAll("dialog.sheet[open]")) dialog.close();
}
