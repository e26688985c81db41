// Voting without a page reload. Progressive enhancement only: the vote forms are plain
// posts that work without this file. Loaded only on pages with vote buttons: an idea's
// page, and the lists of ideas (/ideas, a theme's and an event's page) for signed-in people.
(function () {
  "use strict";

  function announce(box, text) {
    var live = box.querySelector("[data-vote-live]");
    if (!live) { return; }
    // Empty first, so that the same words said twice are announced twice.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function finish(form, busy) {
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = busy; }
    if (busy) { form.setAttribute("aria-busy", "true"); } else { form.removeAttribute("aria-busy"); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("form[data-vote-form]")) { return; }
    var box = form.closest("[data-vote-box]");
    if (!box || !window.fetch || !window.FormData) { return; }
    event.preventDefault();
    finish(form, true);

    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { throw new Error("no JSON answer"); }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      var data = result.data;
      if (result.status === 401 && data.login_url) {
        window.location.href = data.login_url + "?next=" + encodeURIComponent(window.location.pathname);
        return;
      }
      var count = box.querySelector("[data-vote-count]");
      if (count && data.count_text) { count.textContent = data.count_text; }
      // A list shows the dots left per event once, above the cards.
      if (data.event_id !== null && data.event_id !== undefined && typeof data.remaining === "number") {
        var left = document.querySelectorAll("[data-dot-budget='" + data.event_id + "'] [data-dot-remaining]");
        Array.prototype.forEach.call(left, function (item) { item.textContent = String(data.remaining); });
      }
      var controls = box.querySelector("[data-vote-controls]");
      if (controls && typeof data.html === "string") {
        // Rendered (and escaped) by the server from the same template as the page.
        controls.innerHTML = data.html;
        var next = controls.querySelector("button, input:not([type=hidden]), a");
        if (next) { next.focus(); }
      } else {
        finish(form, false);
      }
      announce(box, data.message || "");
    }).catch(function () {
      // Anything unexpected (network, an HTML error page): send the form the plain way.
      finish(form, false);
      form.submit();
    });
  });
})();
