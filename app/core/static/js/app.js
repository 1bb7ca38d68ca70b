// Small progressive enhancements; every page works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A "Print" link on printable pages (forms, receipts); the browser's own print works too.
  for (const link of document.querySelectorAll("[data-print]")) {
    link.addEventListener("click", (event) => { event.preventDefault(); window.print(); });
  }

  // Save memo drafts a moment after typing stops; the form still works without this.
  // When another window saved the section meanwhile, saving stops and both texts are shown
  // side by side until the person chooses (the buttons post the form itself); the text typed
  // here is never replaced, and it is kept in this tab's storage until then, so that a
  // reload does not lose it either.
  for (const form of document.querySelectorAll("form[data-autosave]")) {
    const text = form.querySelector("textarea[name$='-text']");
    const revision = form.querySelector("input[name$='-revision']");
    const newest = form.querySelector("input[name$='-newest']");
    const theirs = form.querySelector("[data-theirs]");
    const status = form.querySelector(".memo-status");
    const note = form.querySelector(".memo-conflict-note .memo-error");
    const key = `memo-conflict:${form.action}`;
    let timer = null;
    let saving = false;
    let inConflict = form.hasAttribute("data-conflict");

    const remember = () => {
      try {
        sessionStorage.setItem(key, JSON.stringify({ text: text.value }));
      } catch (error) { /* storage full or off: the text is still on the page */ }
    };
    const forget = () => {
      try { sessionStorage.removeItem(key); } catch (error) { /* nothing kept */ }
    };
    const showConflict = (message, saved, savedRevision) => {
      inConflict = true;
      clearTimeout(timer);
      theirs.textContent = saved;
      newest.value = savedRevision;
      note.textContent = message || note.dataset.default;
      form.classList.add("in-conflict");
      for (const part of form.querySelectorAll("[data-conflict-only]")) part.hidden = false;
      form.querySelector("[data-save]").hidden = true;
      status.textContent = "";
      remember();
    };

    const save = async () => {
      if (inConflict) return;
      if (saving) { timer = setTimeout(save, 500); return; }
      saving = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
        });
        const result = await response.json();
        if (result.conflict) {
          showConflict(result.error, result.theirs, result.newest);
        } else if (response.ok) {
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
      if (inConflict) { remember(); return; }
      timer = setTimeout(save, 1500);
    });
    // The form's own buttons post it: no draft save may overtake them.
    form.addEventListener("submit", () => { clearTimeout(timer); forget(); });

    if (inConflict) {
      remember();  // shown by the server after a refused post: keep it through a reload
    } else {
      let kept = null;
      try { kept = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (error) { kept = null; }
      if (kept && kept.text !== text.value) {
        // Reloaded during a conflict: the page holds the saved text, this tab the person's.
        const saved = text.value;
        text.value = kept.text;
        showConflict(null, saved, revision.value);
      } else {
        forget();
      }
    }
    form.dataset.autosaveReady = "true";  // typing from here on is saved
  }

  // This tab's kept memo texts go with the session.
  for (const form of document.querySelectorAll("form[data-clear-drafts]")) {
    form.addEventListener("submit", () => {
      try {
        for (const name of Object.keys(sessionStorage)) {
          if (name.startsWith("memo-conflict:")) sessionStorage.removeItem(name);
        }
      } catch (error) { /* nothing kept */ }
    });
  }

  // Ask before an action that cannot be undone: in the page's own modal dialog (focus stays
  // in it while open and goes back to the button that opened it), or the browser's confirm
  // where <dialog> is missing.
  const dialog = document.querySelector("dialog[data-confirm-dialog]");
  const ask = (question, opener) => new Promise((resolve) => {
    dialog.querySelector("[data-confirm-text]").textContent = question;
    dialog.returnValue = "";
    dialog.addEventListener("close", () => {
      if (opener && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === "yes");
    }, { once: true });
    dialog.showModal();
    dialog.querySelector("button[value=no]").focus();
  });
  if (dialog) {
    // Tab and Shift+Tab go round the dialog's buttons, never out of it.
    dialog.addEventListener("keydown", (event) => {
      if (event.key !== "Tab") return;
      const stops = Array.from(dialog.querySelectorAll("button, [href], input, select, textarea"));
      const at = stops.indexOf(document.activeElement);
      const next = (at + (event.shiftKey ? -1 : 1) + stops.length) % stops.length;
      event.preventDefault();
      stops[next].focus();
    });
  }
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.confirmed === "yes") { delete form.dataset.confirmed; return; }
      event.preventDefault();
      const submitter = event.submitter || null;
      const go = () => { form.dataset.confirmed = "yes"; form.requestSubmit(submitter); };
      if (!dialog || typeof dialog.showModal !== "function") {
        if (window.confirm(form.dataset.confirm)) go();
        return;
      }
      ask(form.dataset.confirm, submitter || document.activeElement).then((yes) => { if (yes) go(); });
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

  // An import's preview: under each code's choice, the hint of what the choice made does.
  for (const select of document.querySelectorAll("select[data-choice-hints]")) {
    const cell = select.closest("td");
    select.addEventListener("change", () => {
      for (const hint of cell.querySelectorAll("[data-hint]")) {
        hint.hidden = hint.dataset.hint !== select.value;
      }
    });
  }

  // A table wider than the page scrolls sideways in its box; the box then takes the keyboard
  // focus (WCAG 2.1.1), named by the table's caption, so that the arrow keys scroll it.
  const scrollers = [...document.querySelectorAll(".table-scroll")];
  let named = 0;
  const reachable = () => {
    for (const box of scrollers) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        const caption = box.querySelector("caption");
        if (caption && !box.hasAttribute("role")) {
          if (!caption.id) { named += 1; caption.id = `table-caption-${named}`; }
          box.setAttribute("role", "region");
          box.setAttribute("aria-labelledby", caption.id);
        }
      } else {
        box.removeAttribute("tabindex");
      }
    }
  };
  if (scrollers.length) {
    reachable();
    window.addEventListener("resize", reachable);
  }
});
