// docs.js starts Redoc on the page served at /docs. It is a file of its own,
// not an inline script, so that the page's Content-Security-Policy can
// forbid inline scripts.
(function () {
  "use strict";
  var el = document.getElementById("redoc");
  var status = document.getElementById("docs-status");
  if (!el || typeof Redoc === "undefined") {
    if (status) status.textContent = "The API reference renderer did not load.";
    return;
  }
  // Resolve the spec URL against the page, so that the page also works
  // behind a reverse proxy that serves it under a path prefix.
  var specURL = new URL(el.getAttribute("data-spec-url") || "openapi.json", document.baseURI).href;
  var system = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  Redoc.init(specURL, {
    expandResponses: "200,201,202",
    jsonSampleExpandLevel: 3,
    pathInMiddlePanel: true,
    sortPropsAlphabetically: false,
    theme: {
      typography: {
        fontFamily: system,
        headings: { fontFamily: system },
        code: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' }
      }
    }
  }, el, function (err) {
    if (status) {
      status.textContent = err ? "The API reference failed to render: " + err : "";
      status.hidden = !err;
    }
  });
})();
