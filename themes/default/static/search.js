// The search page: Pagefind's UI over every shard of the index (the first one is the primary,
// the others are merged at query time). A result's link is its document's `url` meta: the
// thread page's folder from the site root, each segment percent-encoded by the generator
// (Pagefind's own URL is the document's file path unencoded: `a?b/search-0.html` would be read
// as the path `a` and a query); a sub-result's is that, from `/`, and `#c-<id>`. Both are
// resolved here from the site root.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  var bundles = JSON.parse(box.getAttribute("data-bundles")).map(function (b) {
    return new URL(b, location.href).href;
  });
  var site = new URL(box.getAttribute("data-root"), location.href);
  var root = site.pathname;
  var page = box.getAttribute("data-offline") === "true" ? "index.html" : "";
  // (offline, a folder needs its index.html: no web server adds it)
  function land(url) {
    return new URL(url.replace(/^\/+/, "").replace(/\/(?=#|$)/, "/" + page), site).href;
  }
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: bundles[0],
    mergeIndex: bundles.slice(1).map(function (b) { return { bundlePath: b }; }),
    baseUrl: root,
    showImages: false,
    showSubResults: true,
    autofocus: true,
    processResult: function (result) {
      if (!result.meta || !result.meta.url) return result;
      result.url = result.meta.url = land(result.meta.url);
      (result.sub_results || []).forEach(function (sub) { sub.url = land(sub.url); });
      return result;
    }
  });
  // Pagefind's input has only a title and a placeholder, which vanish as one types: the page's
  // heading is its visible label.
  var input = box.querySelector("input");
  if (input && document.getElementById("search-title")) {
    input.setAttribute("aria-labelledby", "search-title");
  }
  // Pagefind's UI (1.5) keeps the filter list of the first search's answer when that answer
  // comes before its own list of every filter (a slow machine or network): a filter group is
  // then missing until the next search. Once the first answer is shown (the UI has loaded
  // Pagefind), wait for every filter and search again if the panel lacks one (unless the reader has
  // chosen a filter already: their next choice searches again anyway).
  function fillFilters() {
    import(bundles[0] + "pagefind.js").then(function (pagefind) { return pagefind.filters(); })
      .then(function (all) {
        var shown = box.querySelectorAll(".pagefind-ui__filter-block").length;
        var chosen = box.querySelector(".pagefind-ui__filter-checkbox:checked");
        // (the same term again is no change to the UI; the same, empty, filters are)
        if (!chosen && shown < Object.keys(all || {}).length) ui.triggerFilters({});
      })
      .catch(function () { /* no filters to fill: the UI says what went wrong, if anything */ });
  }
  var first = new MutationObserver(function () {
    if (!box.querySelector(".pagefind-ui__message")) return;
    first.disconnect();
    fillFilters();
  });
  first.observe(box, { childList: true, subtree: true });
  var q = new URLSearchParams(location.search).get("q");
  if (q) ui.triggerSearch(q);
})();
