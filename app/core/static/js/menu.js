// The main menu as disclosure buttons (the WAI-ARIA "disclosure navigation" pattern). Without
// this script every group is a visible list under its heading, which works everywhere.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const nav = document.querySelector("nav[data-menu]");
  if (!nav) return;
  const toggle = nav.querySelector("[data-menu-toggle]");
  const groups = Array.from(nav.querySelectorAll(".menu-group"), (item) => ({
    item,
    button: item.querySelector("[data-menu-button]"),
    links: Array.from(item.querySelectorAll(".menu-list a")),
  }));

  const open = (group, isOpen) => group.button.setAttribute("aria-expanded", String(isOpen));
  const isOpen = (group) => group.button.getAttribute("aria-expanded") === "true";
  const closeAll = (except) => groups.forEach((g) => { if (g !== except) open(g, false); });

  for (const group of groups) {
    group.item.querySelector("[data-menu-heading]").hidden = true;
    group.button.hidden = false;
    group.button.addEventListener("click", () => {
      const next = !isOpen(group);
      closeAll(group);
      open(group, next);
    });
    group.button.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowDown" || !group.links.length) return;
      event.preventDefault();
      closeAll(group);
      open(group, true);
      group.links[0].focus();
    });
    group.item.addEventListener("keydown", (event) => {
      const at = group.links.indexOf(document.activeElement);
      if (event.key === "Escape" && isOpen(group)) {
        event.preventDefault();
        event.stopPropagation();
        open(group, false);
        group.button.focus();
      } else if (at !== -1 && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        group.links[(at + step + group.links.length) % group.links.length].focus();
      } else if (at !== -1 && (event.key === "Home" || event.key === "End")) {
        event.preventDefault();
        group.links[event.key === "Home" ? 0 : group.links.length - 1].focus();
      }
    });
    // A group left by the keyboard closes, so that an open list never hides the page.
    group.item.addEventListener("focusout", (event) => {
      if (event.relatedTarget && !group.item.contains(event.relatedTarget)) open(group, false);
    });
  }

  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const next = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(next));
      if (!next) closeAll();
    });
    nav.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || toggle.getAttribute("aria-expanded") !== "true") return;
      if (getComputedStyle(toggle).display === "none") return; // wide screen: no folded menu
      toggle.setAttribute("aria-expanded", "false");
      closeAll();
      toggle.focus();
    });
  }

  document.addEventListener("click", (event) => {
    if (!nav.contains(event.target)) closeAll();
  });
  nav.dataset.enhanced = "true";  // the groups are buttons now (browser tests wait for it)
});
