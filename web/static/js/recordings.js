// Recordings: upload a file with a progress bar, then follow each recording's captioning
// (its status is asked for every two seconds, so a reloaded page picks up where it was).
import { announce } from "./ui/announcer.js";
import { pageStrings } from "./ui/strings.js";
import { fill } from "./ui/text.js";

const POLL_MS = 2000;
const t = pageStrings();
const root = document.getElementById("recordings");
const form = document.getElementById("upload-form");
const fileInput = document.getElementById("recording");
const progressBox = document.getElementById("upload-progress");
const bar = document.getElementById("upload-bar");
const stateEl = document.getElementById("upload-state");
const cancelButton = document.getElementById("upload-cancel");
const errorBox = document.getElementById("upload-error");
const list = document.getElementById("job-list");
const empty = document.getElementById("no-recordings");
const template = document.getElementById("job-template");
const maxBytes = Number(root.dataset.maxBytes);
const locale = document.documentElement.lang;
const percent = new Intl.NumberFormat(locale, { style: "percent" });
const FINISHED = new Set(["done", "failed"]);
let upload = null;

function showError(message) {
  errorBox.querySelector("p").textContent = message;
  errorBox.hidden = false;
}

function setUploading(on) {
  progressBox.hidden = !on;
  if (on) {
    bar.value = 0;
    stateEl.textContent = fill(t.uploading, { percent: percent.format(0) });
  } else {
    upload = null;
  }
}

function send(data) {
  const xhr = new XMLHttpRequest();
  upload = xhr;
  let spoken = 0;
  xhr.open("POST", form.action);
  xhr.setRequestHeader("Accept", "application/json");
  xhr.responseType = "json";
  xhr.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    const share = event.loaded / event.total;
    bar.value = Math.round(share * 100);
    // The status line changes in tenths: a screen reader need not hear every percent.
    const tenth = Math.floor(share * 10);
    if (tenth !== spoken) {
      spoken = tenth;
      stateEl.textContent = fill(t.uploading, { percent: percent.format(tenth / 10) });
    }
  });
  xhr.upload.addEventListener("load", () => {
    bar.value = 100;
    stateEl.textContent = t.checking;
  });
  xhr.addEventListener("load", () => {
    setUploading(false);
    const body = xhr.response || {};
    if (xhr.status === 201 && body.job) {
      form.reset();
      const item = addJob(body.job);
      follow(item);
      announce(fill(t.uploaded, { name: body.job.filename }));
    } else {
      showError((body.error && body.error.message) || t.networkError);
    }
  });
  xhr.addEventListener("error", () => {
    setUploading(false);
    showError(t.networkError);
  });
  xhr.addEventListener("abort", () => {
    setUploading(false);
    announce(t.cancelled);
    fileInput.focus();
  });
  setUploading(true);
  xhr.send(data);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (upload) return; // one upload at a time
  errorBox.hidden = true;
  const file = fileInput.files[0];
  if (!file) {
    showError(t.chooseFile);
    fileInput.focus();
    return;
  }
  if (file.size > maxBytes) {
    showError(t.tooLarge);
    fileInput.focus();
    return;
  }
  send(new FormData(form));
});

cancelButton.addEventListener("click", () => {
  if (upload) upload.abort();
});

function localTime(item) {
  const time = item.querySelector(".job-time");
  const when = new Date(time.dateTime);
  if (!Number.isNaN(when.getTime())) {
    time.textContent = when.toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
  }
}

function addJob(job) {
  const item = template.content.firstElementChild.cloneNode(true);
  item.id = `job-${job.id}`;
  item.dataset.id = job.id;
  item.dataset.statusUrl = job.status_url;
  item.querySelector(".job-name").textContent = job.filename;
  const time = item.querySelector(".job-time");
  time.dateTime = job.created_at;
  time.textContent = job.created_text;
  item.querySelector(".job-size").textContent = job.size_text;
  const select = item.querySelector(".job-translations");
  select.id = `job-${job.id}-language`;
  item.querySelector(".job-downloads label").htmlFor = select.id;
  for (const name of item.querySelectorAll(".job-download-name, .job-delete-name")) {
    name.textContent = ` – ${job.filename}`;
  }
  item.querySelector(".job-delete").action = `/recordings/${job.id}/delete`;
  show(item, job);
  localTime(item);
  list.prepend(item);
  empty.hidden = true;
  return item;
}

function show(item, job) {
  item.dataset.status = job.status;
  const state = item.querySelector(".job-state");
  state.textContent = job.status === "running"
    ? fill(t.running, { percent: percent.format(job.progress) })
    : t[job.status] || "";
  const progress = item.querySelector(".job-progress");
  progress.hidden = job.status !== "running";
  progress.value = Math.round(job.progress * 100);
  const error = item.querySelector(".job-error");
  error.textContent = job.error || "";
  error.hidden = !job.error;
  item.querySelector(".job-language").textContent = job.language_name ? ` · ${job.language_name}` : "";
  const downloads = item.querySelector(".job-downloads");
  downloads.hidden = job.status !== "done";
  if (job.status === "done") {
    downloads.action = job.downloads.vtt;
    for (const button of downloads.querySelectorAll(".job-download")) {
      button.formAction = job.downloads[button.dataset.format];
    }
    const select = downloads.querySelector(".job-translations");
    select.replaceChildren(select.options[0]);
    for (const target of job.translations) {
      select.add(new Option(target.name, target.code, false, target.code === job.translate_to));
    }
  }
}

async function poll(item) {
  let response;
  try {
    response = await fetch(item.dataset.statusUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
  } catch {
    follow(item); // the network dropped for a moment: ask again later
    return;
  }
  if (response.status === 404) {
    item.remove();
    empty.hidden = list.children.length > 0;
    return;
  }
  if (!response.ok) {
    if (response.status >= 500) follow(item);
    return; // signed out or not allowed any more: nothing more to show
  }
  const { job } = await response.json();
  const before = item.dataset.status;
  show(item, job);
  if (job.status === "done" && before !== "done") announce(fill(t.ready, { name: job.filename }));
  if (job.status === "failed" && before !== "failed") announce(fill(t.jobFailed, { name: job.filename }));
  follow(item);
}

function follow(item) {
  if (!FINISHED.has(item.dataset.status)) window.setTimeout(() => poll(item), POLL_MS);
}

for (const item of list.children) {
  localTime(item);
  follow(item);
}
