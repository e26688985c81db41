/* The phone page's countdown: the end comes from the server (live.json's timer_ends_at,
   with the server's clock taken from the page, rendered for this request to the
   millisecond, so a phone whose clock is off still agrees with the wall; a state's own `now`
   is when it was rendered, possibly for an earlier request, so it is not used). Follows live.json every 2 seconds with a conditional GET, so a timer started,
   extended or stopped later shows here too. Without this script the end is a plain time. */
(function () {
  "use strict";
  var box = document.getElementById("live-timer-box");
  if (!box) { return; }
  var out = document.getElementById("live-timer");
  var offset = box.dataset.now ? Date.parse(box.dataset.now) - Date.now() : 0;
  var endsAt = box.dataset.ends ? Date.parse(box.dataset.ends) : null;
  var etag = null;

  function tick() {
    if (endsAt === null) { box.hidden = true; return; }
    box.hidden = false;
    var left = Math.max(0, Math.round((endsAt - (Date.now() + offset)) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    var text = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    if (out.textContent !== text) { out.textContent = text; }
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(box.dataset.liveUrl, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status !== 200) { return null; }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (state) {
        if (!state) { return; }
        endsAt = state.timer_ends_at ? Date.parse(state.timer_ends_at) : null;
        tick();
      })
      .catch(function () { /* the next poll tries again */ });
  }

  tick();
  window.setInterval(tick, 250);
  window.setInterval(poll, 2000);
})();
