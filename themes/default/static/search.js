// The search page: Pagefind's UI over every shard of the index (the first one is the primary,
// the others are merged at query time). A result's URL names a search document
// (<thread>/search-<n>.html#c-<id>); it is mapped back to the thread page's anchor.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  var bundles = JSON.parse(box.getAttribute("data-bundles")).map(function (b) {
    return new URL(b, location.href).href;
  });
  var root = new URL(box.getAttribute("data-root"), location.href).pathname;
  var page = box.getAttribute("data-offline") === "true" ? "index.html" : "";
  function land(url) { return url.replace(/search-\d+\.html(?=#|$)/, page); }
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: bundles[0],
    mergeIndex: bundles.slice(1).map(function (b) { return { bundlePath: b }; }),
    baseUrl: root,
    showImages: false,
    showSubResults: true,
    autofocus: true,
    processResult: function (result) {
      result.url = land(result.url);
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
  var q = new URLSearchParams(location.search).get("q");
  if (q) ui.triggerSearch(q);
})();
