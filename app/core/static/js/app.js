// Small progressive enhancements; every page works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Follow a background job until it ends.
  for (const box of document.querySelectorAll("[data-job-url]")) {
    const active = (state) => state === "queued" || state === "running";
    if (!active(box.dataset.jobState)) continue;
    const tick = async () => {
      const response = await fetch(box.dataset.jobUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const job = await response.json();
      box.querySelector("progress").value = job.progress;
      box.querySelector("[data-job-field=state_label]").textContent = job.state_label;
      if (active(job.state)) {
        setTimeout(tick, 1000);
      } else {
        window.location.reload();
      }
    };
    setTimeout(tick, 1000);
  }
});
