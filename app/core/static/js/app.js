// Small progressive enhancements; every page works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A "Print" link on printable pages (forms, receipts); the browser's own print works too.
  for (const link of document.querySelectorAll("[data-print]")) {
    link.addEventListener("click", (event) => { event.preventDefault(); window.print(); });
  }

  // Save memo drafts a moment after typing stops; the form still works without this.
  for (const form of document.querySelectorAll("form[data-autosave]")) {
    const text = form.querySelector("textarea");
    const revision = form.querySelector("input[name$='revision']");
    const status = form.querySelector(".memo-status");
    let timer = null;
    let saving = false;
    const save = async () => {
      if (saving) { timer = setTimeout(save, 500); return; }
      saving = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
        });
        const result = await response.json();
        if (response.ok) {
          revision.value = result.revision;
          status.textContent = result.saved;
          status.classList.remove("memo-error");
        } else {
          status.textContent = result.error;
          status.classList.add("memo-error");
        }
      } catch (error) {
        status.classList.add("memo-error");
      } finally {
        saving = false;
      }
    };
    text.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(save, 1500);
    });
    form.dataset.autosaveReady = "true";  // typing from here on is saved
  }

  // Ask before an action that cannot be undone.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // Follow a background job until it ends.
  for (const box of document.querySelectorAll("[data-job-url]")) {
    const active = (state) => state === "queued" || state === "running";
    if (!active(box.dataset.jobState)) continue;
    const tick = async () => {
      const response = await fetch(box.dataset.jobUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const job = await response.json();
      const bar = box.querySelector("progress");
      if (bar) bar.value = job.progress;
      box.querySelector("[data-job-field=state_label]").textContent = job.state_label;
      const left = box.querySelector("[data-job-field=seconds_left]");
      if (left && box.dataset.etaLabel) {
        left.textContent = job.seconds_left === null ? ""
          : box.dataset.etaLabel.replace("{min}", Math.max(1, Math.ceil(job.seconds_left / 60)));
      }
      if (active(job.state)) {
        setTimeout(tick, 1000);
      } else {
        window.location.reload();
      }
    };
    setTimeout(tick, 1000);
  }

  // Colour swatches: colours come from data attributes (the CSP allows no inline styles).
  for (const swatch of document.querySelectorAll("[data-colour]")) {
    swatch.style.backgroundColor = swatch.dataset.colour;
  }
});
