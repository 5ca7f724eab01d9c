// threadpress serve: reloads this page after each build, and shows build errors over it.
// The server adds this script to HTML responses; it is never written into the built site.
(() => {
  "use strict";
  const me = document.currentScript;
  const loaded = me.dataset.build;   // the build this page was served from
  const OVERLAY = "__threadpress-overlay";

  function hide() {
    const old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }

  // A plain box of text: every message goes in through textContent, never as markup
  // (build errors quote the user's files).
  function show(errors) {
    hide();
    const box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;" +
      "padding:1.5em;background:#fff;color:#000;font:15px/1.5 monospace;" +
      "white-space:pre-wrap;overflow-wrap:anywhere";
    const title = document.createElement("p");
    title.style.cssText = "margin:0 0 1em;font-weight:bold";
    title.textContent = "threadpress: the build failed. This page reloads by itself once it is fixed.";
    const list = document.createElement("pre");
    list.style.cssText = "margin:0;white-space:pre-wrap;font:inherit";
    list.textContent = errors.join("\n");
    box.append(title, list);
    document.body.append(box);
  }

  function update(event) {
    const state = JSON.parse(event.data);
    if (state.errors.length) show(state.errors);
    else if (state.build !== loaded) location.reload();
    else hide();
  }

  // Only a page in view listens: a browser opens at most six connections to one server, and
  // a stream per open tab would soon leave none for loading pages. A page that comes back
  // into view listens again and at once hears the current state (reloading if it changed).
  let events = null;
  function listen() {
    if (document.hidden) {
      if (events) events.close();
      events = null;
    } else if (!events) {
      events = new EventSource(me.dataset.events);
      events.onmessage = update;
    }
  }
  document.addEventListener("visibilitychange", listen);
  listen();
})();
