// The coding workspace: released text with coloured highlights and margin stripes; select a
// passage (mouse, or Shift and the arrow keys) and apply codes; memos, filters, suggestions,
// undo and redo. The server counts offsets in Unicode code points; the DOM counts UTF-16 code
// units, so every offset is converted at this boundary (see toUnits / toPoints).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-coding]");
  if (!root) return;
  const data = JSON.parse(document.getElementById("coding-data").textContent);
  const labels = root.dataset;
  const token = document.querySelector("input[name=csrf_token]");
  const textBox = root.querySelector("[data-text]");
  const stripes = root.querySelector("[data-stripes]");
  const statusBox = root.querySelector("[data-status]");
  const here = root.querySelector("[data-here]");
  const list = root.querySelector("[data-code-list]");
  const search = root.querySelector("[data-search]");
  const selectionHint = root.querySelector("[data-selection]");
  const suggestionsBox = root.querySelector("[data-suggestions]");
  const filterCode = root.querySelector("[data-filter-code]");
  const filterCoder = root.querySelector("[data-filter-coder]");
  const text = data.text;
  const codes = new Map(data.codes.map((c) => [c.id, c]));
  let codings = data.codings;
  let selection = null; // {start, end} in code points
  // steps that can be undone and redone: {kind: "applied" | "removed", coding}
  const undo = [];
  const redo = [];

  // --- code points <-> UTF-16 -------------------------------------------------------------
  // astral[i] is the code-point index of the i-th character outside the BMP (two units).
  const astral = [];
  {
    let point = 0;
    for (let unit = 0; unit < text.length; unit += 1, point += 1) {
      const high = text.charCodeAt(unit);
      if (high >= 0xd800 && high <= 0xdbff && unit + 1 < text.length) {
        const low = text.charCodeAt(unit + 1);
        if (low >= 0xdc00 && low <= 0xdfff) { astral.push(point); unit += 1; }
      }
    }
  }
  const countBelow = (sorted, value) => {
    let low = 0, high = sorted.length;
    while (low < high) { const mid = (low + high) >> 1; if (sorted[mid] < value) low = mid + 1; else high = mid; }
    return low;
  };
  const toUnits = (point) => point + countBelow(astral, point);
  // astral positions in units, for the reverse direction
  const astralUnits = astral.map((point, i) => point + i);
  const toPoints = (unit) => {
    const before = countBelow(astralUnits, unit); // pairs starting before this unit
    // a unit in the middle of a pair (after its high surrogate) snaps to the pair's start
    if (before && astralUnits[before - 1] === unit - 1) return unit - 1 - (before - 1);
    return unit - before;
  };

  const say = (message, failed) => {
    statusBox.textContent = message || "";
    statusBox.classList.toggle("memo-error", Boolean(failed));
  };
  const post = async (url, body) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify(body),
    });
    let result = {};
    try { result = await response.json(); } catch (error) { result = {}; }
    if (!response.ok) throw new Error(result.error || labels.labelFailed);
    return result;
  };
  const codingUrl = (id) => data.urls.coding.replace(/\/0$/, `/${id}`);

  // --- rendering ----------------------------------------------------------------------------
  const shown = () => codings.filter((c) =>
    (!filterCode || !filterCode.value || String(c.code) === filterCode.value) &&
    (!filterCoder || !filterCoder.value || String(c.coder) === filterCoder.value));

  // Who speaks: each segment's role is drawn before it by CSS (data-speaker), outside the
  // text, so that selections and offsets never include it.
  const speakerStarts = new Map((data.speakers || []).map((m) => [toUnits(m.start), m.speaker]));
  const markSpeaker = (span, from) => {
    const speaker = speakerStarts.get(from);
    if (speaker === undefined) return;
    span.classList.add("speaker-start");
    span.dataset.speaker = speaker;
  };

  let pieces = []; // [{node, start (units)}]
  const render = () => {
    const visible = shown();
    const cuts = new Set([0, text.length, ...speakerStarts.keys()]);
    const events = [];
    for (const c of visible) {
      const s = toUnits(c.start), e = toUnits(c.end);
      cuts.add(s); cuts.add(e);
      events.push([s, 1, c], [e, -1, c]);
    }
    const points = Array.from(cuts).sort((a, b) => a - b);
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const fragment = document.createDocumentFragment();
    const active = new Set();
    let e = 0;
    pieces = [];
    for (let i = 0; i + 1 < points.length; i += 1) {
      const from = points[i], to = points[i + 1];
      while (e < events.length && events[e][0] <= from) {
        const [, kind, c] = events[e];
        if (kind === 1) active.add(c); else active.delete(c);
        e += 1;
      }
      const span = document.createElement("span");
      span.textContent = text.slice(from, to);
      if (active.size) {
        const top = Array.from(active).reduce((a, b) => (b.id > a.id ? b : a));
        span.className = active.size > 1 ? "coded overlap" : "coded";
        span.style.backgroundColor = `${(codes.get(top.code) || {}).colour || "#cccccc"}66`;
        span.title = Array.from(active, (c) => (codes.get(c.code) || {}).name).join(", ");
      }
      markSpeaker(span, from);
      pieces.push({ node: span, start: from });
      fragment.appendChild(span);
    }
    textBox.replaceChildren(fragment);
    drawStripes(visible);
  };

  const rangeOf = (startUnits, endUnits) => {
    const range = document.createRange();
    const locate = (unit, isEnd) => {
      let low = 0, high = pieces.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (pieces[mid].start < unit || (!isEnd && pieces[mid].start === unit)) low = mid; else high = mid - 1;
      }
      const piece = pieces[low];
      return [piece.node.firstChild || piece.node, Math.max(0, unit - piece.start)];
    };
    range.setStart(...locate(startUnits, false));
    range.setEnd(...locate(endUnits, true));
    return range;
  };

  const drawStripes = (visible) => {
    const box = stripes.getBoundingClientRect();
    const lanes = []; // bottom of the last stripe in each lane
    const fragment = document.createDocumentFragment();
    const spans = visible.map((c) => {
      const rects = rangeOf(toUnits(c.start), toUnits(c.end)).getClientRects();
      if (!rects.length) return null;
      return { c, top: rects[0].top - box.top, bottom: rects[rects.length - 1].bottom - box.top };
    }).filter(Boolean).sort((a, b) => a.top - b.top);
    for (const s of spans) {
      let lane = lanes.findIndex((bottom) => bottom <= s.top);
      if (lane === -1) { lane = lanes.length; lanes.push(0); }
      lanes[lane] = s.bottom;
      const bar = document.createElement("div");
      bar.className = "stripe";
      bar.style.top = `${s.top}px`;
      bar.style.height = `${Math.max(4, s.bottom - s.top)}px`;
      bar.style.left = `${lane * 6}px`;
      bar.style.backgroundColor = (codes.get(s.c.code) || {}).colour || "#cccccc";
      bar.title = (codes.get(s.c.code) || {}).name || "";
      fragment.appendChild(bar);
    }
    stripes.replaceChildren(fragment);
  };

  // --- selection -----------------------------------------------------------------------------
  const unitAt = (node, offset) => {
    if (node === textBox) {
      if (offset >= pieces.length) return text.length;
      return pieces[offset].start;
    }
    const span = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
    const index = pieces.findIndex((p) => p.node === span);
    if (index === -1) return null;
    return pieces[index].start + (node.nodeType === Node.TEXT_NODE ? offset : 0);
  };
  const pieceIndex = new WeakMap();
  const indexPieces = () => pieces.forEach((p, i) => pieceIndex.set(p.node, i));
  const fastUnitAt = (node, offset) => {
    if (node === textBox) return offset >= pieces.length ? text.length : pieces[offset].start;
    const span = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
    const index = pieceIndex.get(span);
    if (index === undefined) return unitAt(node, offset);
    return pieces[index].start + (node.nodeType === Node.TEXT_NODE ? offset : 0);
  };

  let suggestTimer = null;
  const readSelection = () => {
    const sel = document.getSelection();
    if (!sel || sel.rangeCount === 0 || !textBox.contains(sel.anchorNode)) return;
    const range = sel.getRangeAt(0);
    if (range.collapsed) {
      selection = null;
      if (selectionHint) selectionHint.textContent = labels.labelSelect;
      showHere(toPoints(fastUnitAt(range.startContainer, range.startOffset)));
      return;
    }
    const a = fastUnitAt(range.startContainer, range.startOffset);
    const b = fastUnitAt(range.endContainer, range.endOffset);
    if (a === null || b === null) return;
    let start = toPoints(a), end = toPoints(b);
    // leave out spaces and line breaks at either end
    while (start < end && /\s/u.test(String.fromCodePoint(text.codePointAt(toUnits(start))))) start += 1;
    while (end > start && /\s/u.test(String.fromCodePoint(text.codePointAt(toUnits(end - 1))))) end -= 1;
    if (end <= start) { selection = null; return; }
    selection = { start, end };
    if (selectionHint) selectionHint.textContent = labels.labelSelected.replace("%(n)s", end - start);
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(() => suggest(selection), 350);
  };
  document.addEventListener("selectionchange", () => readSelection());
  // the text is focusable and selectable with the keyboard, but never changes
  for (const kind of ["beforeinput", "paste", "drop", "cut"]) {
    textBox.addEventListener(kind, (event) => event.preventDefault());
  }

  // --- applying, removing, undo ------------------------------------------------------------
  const apply = async (codeId, span, memo) => {
    if (!span) { say(labels.labelSelect, true); return null; }
    try {
      const made = await post(data.urls.apply, { code: codeId, start: span.start, end: span.end, memo: memo || "" });
      codings.push(made);
      render(); indexPieces();
      say(made.status);  // a statement of what is saved, from the server in the user's language
      return made;
    } catch (error) { say(error.message, true); return null; }
  };
  const remove = async (coding) => {
    try {
      const result = await post(codingUrl(coding.id), { delete: true });
      codings = codings.filter((c) => c.id !== coding.id);
      render(); indexPieces();
      showHere(null);
      say(result.status);
      return true;
    } catch (error) { say(error.message, true); return false; }
  };
  const applyChosen = async (codeId) => {
    const span = selection;
    const made = await apply(codeId, span);
    if (made) { undo.push({ kind: "applied", coding: made }); redo.length = 0; }
  };
  // Undoing or redoing a step does its opposite: an applied coding is removed, a removed one
  // applied again (as a new coding with a new id, which every step that names it then takes).
  const reverse = async (step) => {
    if (step.kind === "applied") return remove(step.coding);
    const made = await apply(step.coding.code, step.coding, step.coding.memo);
    if (!made) return false;
    const old = step.coding.id;
    for (const s of [...undo, ...redo, step]) if (s.coding.id === old) s.coding = made;
    return true;
  };
  const opposite = (kind) => (kind === "applied" ? "removed" : "applied");
  // One step at a time, in order, however fast the keys are pressed.
  let steps = Promise.resolve();
  const travel = (from, to, done, nothing) => {
    steps = steps.then(async () => {
      const step = from.pop();
      if (!step) { say(nothing); return; }
      if (await reverse(step)) {
        to.push({ kind: opposite(step.kind), coding: step.coding });
        say(done);
      } else {
        from.push(step); // refused or not sent: it can be tried again
      }
    });
    return steps;
  };
  const undoLast = () => travel(undo, redo, labels.labelUndone, labels.labelNothing);
  const redoLast = () => travel(redo, undo, labels.labelRedone, labels.labelNothingRedo);
  const undoButton = root.querySelector("[data-undo]");
  if (undoButton) undoButton.addEventListener("click", undoLast);
  const redoButton = root.querySelector("[data-redo]");
  if (redoButton) redoButton.addEventListener("click", redoLast);
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select");
    if (!(event.ctrlKey || event.metaKey) || !data.editable || typing) return;
    const key = event.key.toLowerCase();
    if (key === "z" && !event.shiftKey) {
      event.preventDefault();
      undoLast();
    } else if ((key === "z" && event.shiftKey) || key === "y") {
      event.preventDefault();
      redoLast();
    }
  });

  // --- the code list -----------------------------------------------------------------------
  const drawList = () => {
    if (!list) return;
    const needle = (search.value || "").trim().toLocaleLowerCase();
    list.replaceChildren();
    for (const code of data.codes) {
      if (needle && !code.path.toLocaleLowerCase().includes(needle)) continue;
      const item = document.createElement("li");
      item.style.paddingLeft = `${code.depth}em`;
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.backgroundColor = code.colour;
      item.appendChild(swatch);
      if (code.codable) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = code.name;
        if (code.lang) button.lang = code.lang;
        button.title = code.definition ? `${code.path}: ${code.definition}` : code.path;
        button.dataset.code = code.id;
        button.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
        button.addEventListener("click", () => applyChosen(code.id));
        item.appendChild(button);
      } else {
        const name = document.createElement("strong");
        name.textContent = code.name;
        if (code.lang) name.lang = code.lang;
        name.title = code.path;
        item.appendChild(name);
      }
      list.appendChild(item);
    }
  };
  if (search) {
    search.addEventListener("input", drawList);
    search.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        // into the list of codes; the text's selection stays as it was
        const first = list.querySelector("button[data-code]");
        if (first) { event.preventDefault(); first.focus(); }
        return;
      }
      if (event.key !== "Enter") return;
      event.preventDefault();
      const first = list.querySelector("button[data-code]");
      if (first) applyChosen(Number(first.dataset.code));
    });
  }
  // The code list is one stop for the arrow keys too: Up and Down move between codes, Enter
  // or Space applies the one with focus, Up from the first goes back to the search box.
  if (list) {
    list.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      const buttons = Array.from(list.querySelectorAll("button[data-code]"));
      const at = buttons.indexOf(document.activeElement);
      if (at === -1) return;
      event.preventDefault();
      const next = at + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) { if (search) search.focus(); return; }
      buttons[Math.min(next, buttons.length - 1)].focus();
    });
  }

  // --- suggestions ---------------------------------------------------------------------------
  const suggest = async (span) => {
    if (!suggestionsBox || !span || !data.editable) return;
    let found = [];
    try { found = (await post(data.urls.suggest, span)).suggestions; } catch (error) { return; }
    if (selection !== span) return;
    suggestionsBox.replaceChildren();
    if (!found.length) return;
    const heading = document.createElement("h3");
    heading.textContent = labels.labelSuggested;
    const items = document.createElement("ul");
    items.className = "suggestions";
    for (const s of found) {
      const code = codes.get(s.code);
      if (!code) continue;
      const item = document.createElement("li");
      const accept = document.createElement("button");
      accept.type = "button"; accept.className = "link"; accept.textContent = code.name;
      accept.addEventListener("mousedown", (event) => event.preventDefault());
      accept.addEventListener("click", async () => { await applyChosen(code.id); item.remove(); });
      const why = document.createElement("span");
      why.className = "muted";
      why.textContent = s.triggers.length ? ` ${labels.labelBecause} «${s.triggers.join("», «")}»` : "";
      const dismiss = document.createElement("button");
      dismiss.type = "button"; dismiss.className = "link"; dismiss.textContent = labels.labelDismiss;
      dismiss.addEventListener("click", () => item.remove());
      item.append(accept, why, " ", dismiss);
      items.appendChild(item);
    }
    suggestionsBox.append(heading, items);
  };

  // --- the codings at a place -------------------------------------------------------------
  const showHere = (point) => {
    here.replaceChildren();
    if (point === null) return;
    for (const c of shown().filter((x) => x.start <= point && point < x.end)) {
      const code = codes.get(c.code) || { name: "?" };
      const item = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = code.name;
      if (code.lang) name.lang = code.lang;
      name.title = code.path || code.name;
      const who = document.createElement("span");
      who.className = "muted";
      who.textContent = ` ${labels.labelBy} ${data.coders[String(c.coder)] || "?"}`;
      const quote = document.createElement("blockquote");
      quote.textContent = text.slice(toUnits(c.start), toUnits(c.end));
      item.append(name, who, quote);
      const mine = data.editable && c.coder === data.me && !c.consensus;
      const memo = document.createElement("textarea");
      memo.value = c.memo || "";
      memo.rows = 2;
      memo.readOnly = !mine;
      memo.setAttribute("aria-label", `${labels.labelMemo}: ${code.name}`);
      item.appendChild(memo);
      if (mine) {
        const save = document.createElement("button");
        save.type = "button"; save.className = "secondary"; save.textContent = labels.labelSave;
        save.addEventListener("click", async () => {
          try {
            const updated = await post(codingUrl(c.id), { memo: memo.value });
            c.memo = updated.memo;
            say(labels.labelSaved);
          } catch (error) { say(error.message, true); }
        });
        const drop = document.createElement("button");
        drop.type = "button"; drop.className = "secondary"; drop.textContent = labels.labelRemove;
        drop.addEventListener("click", async () => {
          if (await remove(c)) { undo.push({ kind: "removed", coding: c }); redo.length = 0; }
        });
        item.append(save, " ", drop);
      }
      here.appendChild(item);
    }
  };

  // --- filters --------------------------------------------------------------------------------
  if (filterCode) {
    for (const code of data.codes) {
      const option = document.createElement("option");
      option.value = code.id; option.textContent = code.path;
      filterCode.appendChild(option);
    }
    filterCode.addEventListener("change", () => { render(); indexPieces(); });
  }
  const addCoders = (coders) => {
    for (const [id, name] of Object.entries(coders)) {
      const known = id in data.coders && filterCoder &&
        filterCoder.querySelector(`option[value="${CSS.escape(id)}"]`);
      data.coders[id] = name;
      if (!filterCoder || known) continue;
      const option = document.createElement("option");
      option.value = id; option.textContent = name;
      filterCoder.appendChild(option);
    }
  };
  addCoders({ ...data.coders });
  if (filterCoder) filterCoder.addEventListener("change", () => { render(); indexPieces(); });

  // --- codings of others, as they come ---------------------------------------------------
  // Outside rounds (the server gives the address only there) the page asks every few seconds
  // whether the codings it shows have changed, and takes in those of others; its own it keeps
  // as it knows them. Not while a passage is selected: drawing the text anew would lose the
  // selection, so the news waits for the next ask.
  let version = data.version;
  const sameCodings = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const othersOf = (list) => list.filter((c) => c.coder !== data.me || c.consensus);
  let listening = null;
  let asking = false; // one question at a time, however slow the answer
  const listen = async () => {
    if (document.hidden || selection || asking) return;
    let result;
    asking = true;
    try {
      const response = await fetch(`${data.urls.live}?since=${encodeURIComponent(version)}`,
                                   { headers: { Accept: "application/json" } });
      // refused (consent withdrawn, the release gone) or sent to the login page: stop asking
      if (response.status === 403 || response.status === 404 || response.redirected) {
        clearInterval(listening);
        return;
      }
      if (!response.ok) return;
      result = await response.json();
    } catch (error) { return; } finally { asking = false; } // offline for a moment: ask again
    if (!result.changed) { version = result.version; return; }
    if (selection) return;
    addCoders(result.coders || {});
    const others = othersOf(result.codings);
    version = result.version;
    if (sameCodings(others, othersOf(codings))) return; // only our own changed
    codings = [...codings.filter((c) => c.coder === data.me && !c.consensus), ...others];
    render(); indexPieces();
    say(labels.labelOthers);
  };
  if (data.urls.live) listening = setInterval(listen, Math.max(1, data.poll_seconds) * 1000);

  render();
  indexPieces();
  drawList();
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => drawStripes(shown()), 150);
  });
  root.dataset.ready = "1";
});
