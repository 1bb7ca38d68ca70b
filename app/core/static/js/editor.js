// The transcript editor: segments beside the audio player, with autosave.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const editor = document.querySelector("[data-editor]");
  if (!editor) return;
  const player = editor.querySelector("audio");
  const list = editor.querySelector("[data-segments]");
  const status = editor.querySelector("[data-status]");
  const saveUrl = editor.dataset.saveUrl;
  const token = document.querySelector("input[name=csrf_token]");
  let revision = Number(editor.dataset.revision || 0);
  let conflict = null;  // the saved version while this window's edits wait for a choice
  let dirty = false;
  let saving = null;
  let timer = null;

  const rows = () => Array.from(list.querySelectorAll(".segment"));
  const time = (row, key) => (row.dataset[key] === "" ? null : Number(row.dataset[key]));
  const say = (text, failed) => {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("memo-error", Boolean(failed));
  };

  const collect = () => rows().map((row) => ({
    text: row.querySelector("[data-text]").value,
    start: time(row, "start"),
    end: time(row, "end"),
    speaker: row.querySelector("[data-speaker]").value || null,
  }));

  const panel = editor.querySelector("[data-conflict]");
  const label = (key) => editor.dataset[key] || "";

  // Another window saved first: stop saving, keep what is typed here, show both versions.
  const showConflict = (result) => {
    conflict = result;
    clearTimeout(timer);
    say(result.error, true);
    if (!panel) return;
    panel.querySelector("[data-conflict-message]").textContent = result.error;
    const box = panel.querySelector("[data-conflict-list]");
    box.replaceChildren();
    const mine = collect();
    const count = Math.max(mine.length, result.segments.length);
    for (let i = 0; i < count; i += 1) {
      const a = mine[i];
      const b = result.segments[i];
      const same = a && b && a.text === b.text && (a.speaker || "") === (b.speaker || "")
        && a.start === b.start && a.end === b.end;
      if (same) continue;
      const pair = document.createElement("div");
      pair.className = "memo-versions";
      const heading = document.createElement("h3");
      heading.textContent = label("labelSegment").replace("{n}", String(i + 1));
      pair.append(heading);
      for (const [title, side] of [[label("labelYours"), a], [label("labelTheirs"), b]]) {
        const part = document.createElement("div");
        const name = document.createElement("strong");
        name.textContent = title;
        const text = document.createElement("p");
        text.textContent = side ? side.text : label("labelGone");
        part.append(name, text);
        pair.append(part);
      }
      box.append(pair);
    }
    panel.hidden = false;
    panel.focus();
  };

  const closeConflict = () => {
    conflict = null;
    if (panel) panel.hidden = true;
  };

  const save = async () => {
    if (!saveUrl || !dirty || conflict) return !conflict;
    if (saving) { await saving; return save(); }
    dirty = false;
    say(editor.dataset.labelSaving);
    saving = (async () => {
      try {
        const response = await fetch(saveUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json",
                     "X-CSRFToken": token ? token.value : "" },
          body: JSON.stringify({ revision, segments: collect() }),
        });
        const result = await response.json();
        if (result.conflict) { dirty = true; showConflict(result); return false; }
        if (!response.ok) { dirty = true; say(result.error, true); return false; }
        revision = result.revision;
        say(result.saved);
        return true;
      } catch (error) {
        dirty = true;
        say(editor.dataset.labelFailed, true);
        return false;
      } finally {
        saving = null;
      }
    })();
    return saving;
  };

  const changed = () => {
    if (!saveUrl) return;
    dirty = true;
    if (conflict) return;  // nothing is saved until the person chooses
    say(editor.dataset.labelUnsaved);
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
  };

  const build = (segment, template) => {
    const row = template.cloneNode(true);
    row.querySelector("[data-text]").value = segment.text;
    row.querySelector("[data-speaker]").value = segment.speaker || "";
    setTimes(row, segment.start, segment.end);
    const play = row.querySelector("[data-play]");
    if (play && segment.start === null) play.remove();
    return row;
  };

  if (panel) {
    panel.querySelector("[data-keep-mine]").addEventListener("click", async () => {
      revision = conflict.revision;  // save over the version that was shown
      closeConflict();
      dirty = true;
      await save();
    });
    panel.querySelector("[data-use-theirs]").addEventListener("click", () => {
      const template = rows()[0];
      list.replaceChildren(...conflict.segments.map((segment) => build(segment, template)));
      revision = conflict.revision;
      dirty = false;
      closeConflict();
      say(editor.dataset.labelSaved);
    });
  }

  const playFrom = (row) => {
    const start = time(row, "start");
    if (!player || start === null) return;
    player.currentTime = start;
    player.play();
  };

  const focusRow = (row) => {
    if (!row) return;
    row.querySelector("[data-text]").focus();
    if (player && time(row, "start") !== null) player.currentTime = time(row, "start");
    row.scrollIntoView({ block: "nearest" });
  };

  const clock = (seconds) => {
    const s = Math.floor(seconds);
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  };

  const setTimes = (row, start, end) => {
    row.dataset.start = start === null ? "" : String(Math.round(start * 1000) / 1000);
    row.dataset.end = end === null ? "" : String(Math.round(end * 1000) / 1000);
    const button = row.querySelector("[data-play]");
    // only the time changes; the hidden words before it name the button for a screen reader
    if (button && start !== null) {
      (button.querySelector("[data-clock]") || button).textContent = clock(start);
    }
  };

  const split = (row) => {
    const area = row.querySelector("[data-text]");
    const at = area.selectionStart;
    const text = area.value;
    if (!text.slice(0, at).trim() || !text.slice(at).trim()) return;  // no empty half
    const copy = row.cloneNode(true);
    copy.querySelector("[data-speaker]").value = row.querySelector("[data-speaker]").value;
    const start = time(row, "start");
    const end = time(row, "end");
    if (start !== null) {
      // At the player's position when it lies inside the segment, else by share of text.
      let middle = start + (end - start) * (at / text.length);
      if (player && player.currentTime > start && player.currentTime < end) middle = player.currentTime;
      setTimes(row, start, middle);
      setTimes(copy, middle, end);
    }
    area.value = text.slice(0, at).trim();
    copy.querySelector("[data-text]").value = text.slice(at).trim();
    row.after(copy);
    copy.querySelector("[data-text]").focus();
    changed();
  };

  const merge = (row) => {
    const next = row.nextElementSibling;
    if (!next) return;
    const area = row.querySelector("[data-text]");
    area.value = `${area.value.trim()} ${next.querySelector("[data-text]").value.trim()}`.trim();
    const start = time(row, "start");
    const end = time(next, "end");
    if (start !== null && end !== null) setTimes(row, start, end);
    next.remove();
    area.focus();
    changed();
  };

  list.addEventListener("click", (event) => {
    const row = event.target.closest(".segment");
    if (!row) return;
    if (event.target.closest("[data-play]")) playFrom(row);
    else if (event.target.closest("[data-split]")) split(row);
    else if (event.target.closest("[data-merge]")) merge(row);
  });
  list.addEventListener("input", changed);
  list.addEventListener("change", changed);

  document.addEventListener("keydown", (event) => {
    const row = document.activeElement && document.activeElement.closest(".segment");
    if (event.key === "Escape" && player) {
      event.preventDefault();
      if (player.paused) player.play(); else player.pause();
    } else if (event.altKey && event.key === "ArrowLeft" && player) {
      event.preventDefault();
      player.currentTime = Math.max(0, player.currentTime - 5);
    } else if (event.altKey && event.key === "ArrowDown") {
      event.preventDefault();
      focusRow(row ? row.nextElementSibling : rows()[0]);
    } else if (event.altKey && event.key === "ArrowUp") {
      event.preventDefault();
      focusRow(row ? row.previousElementSibling : rows()[0]);
    }
  });

  if (player) {
    player.addEventListener("timeupdate", () => {
      const now = player.currentTime;
      for (const row of rows()) {
        const start = time(row, "start");
        const end = time(row, "end");
        row.classList.toggle("playing", start !== null && now >= start && now < end);
      }
    });
  }

  // Verify only what is saved: save first, then send the form.
  const verify = document.querySelector("form[data-verify]");
  if (verify) {
    verify.addEventListener("submit", async (event) => {
      if (!dirty && !saving) return;
      event.preventDefault();
      clearTimeout(timer);
      // Save until nothing typed meanwhile is left unsaved, then verify.
      while (dirty || saving) {
        if (saving) await saving;
        else if (!(await save())) return;
      }
      verify.submit();
    });
  }
  window.addEventListener("beforeunload", (event) => {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
});
