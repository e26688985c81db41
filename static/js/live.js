// The evening's phone page without reloads. Progressive enhancement only: the vote forms
// are plain posts that redirect back; this file sends them in the background, then takes
// the ideas and the dots left from a fresh copy of the page, so nothing is computed twice.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("flash-messages");
    if (!region) { return; }
    // Empty first, so that the same words said twice are announced twice.
    region.textContent = "";
    window.setTimeout(function () {
      var p = document.createElement("p");
      p.className = "flash flash-success";
      p.textContent = text;
      region.appendChild(p);
    }, 50);
  }

  function swap(fresh, selector) {
    var now = document.querySelector(selector);
    var next = fresh.querySelector(selector);
    if (now && next) { now.replaceWith(next); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.closest || !form.closest(".live-ideas")) { return; }
    if (!window.fetch || !window.FormData || !window.DOMParser) { return; }
    event.preventDefault();
    var item = form.closest("li");
    var itemId = item ? item.id : "";
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }

    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { throw new Error("no JSON answer"); }
      return response.json();
    }).then(function (data) {
      return fetch(window.location.pathname, { credentials: "same-origin" })
        .then(function (page) { return page.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          swap(fresh, ".live-ideas");
          // The same element, new words: a live region that is replaced is not announced.
          var left = document.getElementById("dots-left");
          var freshLeft = fresh.getElementById("dots-left");
          if (left && freshLeft) { left.textContent = freshLeft.textContent; }
          var again = itemId && document.getElementById(itemId);
          var target = again && (again.querySelector("button") || again.querySelector("a"));
          if (target) { target.focus(); }
          announce(data.message || "");
        });
    }).catch(function () {
      // Anything unexpected (network, an error page): send the form the plain way.
      if (button) { button.disabled = false; }
      form.submit();
    });
  });
}());
