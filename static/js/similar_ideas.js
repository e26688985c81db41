// Similar ideas while typing a title: after a short pause, the title goes to our own server
// (POST, so that no draft lands in an address or a log) and the answer, an HTML fragment of
// up to five published ideas, fills the live region under the field (aria-live="polite").
// Enhancement only: without JavaScript the "check" button asks the same.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var WAIT_MS = 400;
  var MIN_LENGTH = 3;
  Array.prototype.forEach.call(document.querySelectorAll("[data-similar-url]"), function (region) {
    var form = region.closest("form");
    var input = form && form.querySelector("input[name=title]");
    if (!input || !window.fetch || !window.FormData) { return; }
    var url = region.getAttribute("data-similar-url");
    var token = form.querySelector("input[name=csrf_token]");
    var timer = null;
    var controller = null;
    var asked = input.value.trim();

    function show(html) {
      region.innerHTML = html.trim();
    }

    function lookup() {
      var title = input.value.trim();
      if (title === asked) { return; }
      asked = title;
      if (controller) { controller.abort(); }
      if (title.length < MIN_LENGTH) { show(""); return; }
      controller = window.AbortController ? new AbortController() : null;
      var body = new FormData();
      body.append("title", title);
      if (token) { body.append("csrf_token", token.value); }
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html !== null && input.value.trim() === title) { show(html); }
      }).catch(function () { /* offline or aborted: the check button still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, WAIT_MS);
    });
  });
});
