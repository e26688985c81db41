/* The projector wall: follows the event's live state without reloading.
   The Server-Sent Events stream when the browser has it and the server admits it, else
   (or after the stream failed) a conditional GET of live.json every 2 seconds. The page as
   the server drew it works without this script (it reloads itself every 5 seconds). */
(function () {
  "use strict";
  var root = document.getElementById("wall");
  if (!root) { return; }
  var content = document.getElementById("wall-content");
  var phase = document.getElementById("wall-phase");
  var timerBox = document.getElementById("wall-timer-box");
  var timer = document.getElementById("wall-timer");
  var labels = root.dataset;
  var version = parseInt(root.dataset.version, 10) || 0;
  var mode = content.dataset.mode;
  var etag = null;
  var known = {};
  var clockOffset = 0; /* server time minus this browser's time, in ms */
  var endsAt = timer.dataset.ends ? Date.parse(timer.dataset.ends) : null;
  var pollTimer = null;
  var source = null;

  Array.prototype.forEach.call(content.querySelectorAll("[data-id]"), function (el) {
    known[el.dataset.id] = true;
  });
  if (timer.dataset.now) { clockOffset = Date.parse(timer.dataset.now) - Date.now(); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function allIdeas(state) {
    var ideas = [];
    state.themes.forEach(function (theme) { ideas = ideas.concat(theme.ideas); });
    return ideas;
  }

  function countText(state, idea) {
    return idea.count + " " + (idea.count === 1 ? state.units.one : state.units.other);
  }

  function drawIdeas(state, box) {
    if (!state.idea_count) { box.appendChild(el("p", "wall-empty", labels.labelNone)); }
    var grid = el("div", "wall-themes");
    state.themes.forEach(function (theme) {
      var section = el("section", "wall-theme");
      section.appendChild(el("h3", null, theme.name));
      var list = el("ul", "wall-cards");
      theme.ideas.slice().sort(function (a, b) { return a.id - b.id; }).forEach(function (idea) {
        var card = el("li", "wall-card", idea.title);
        card.dataset.id = idea.id;
        if (!known[idea.id]) { card.classList.add("is-new"); }
        list.appendChild(card);
      });
      section.appendChild(list);
      grid.appendChild(section);
    });
    box.appendChild(grid);
  }

  /* Voting bars change with every vote: move and update the rows that are there (so the
     bars grow instead of being redrawn), add new ones, drop the gone ones. */
  function updateVoting(state) {
    var list = content.querySelector(".wall-bars");
    var note = content.querySelector(".wall-note");
    if (!list || Boolean(note) !== Boolean(state.numbers_hidden) ||
        Boolean(list.querySelector("progress")) !== Boolean(state.counts_shown) ||
        !state.idea_count) {
      return false;
    }
    var ideas = allIdeas(state);
    if (state.counts_shown) { ideas.sort(function (a, b) { return a.rank - b.rank; }); }
    var top = 1;
    ideas.forEach(function (idea) { if (idea.count > top) { top = idea.count; } });
    var rows = {};
    Array.prototype.forEach.call(list.children, function (row) { rows[row.dataset.id] = row; });
    ideas.forEach(function (idea) {
      var row = rows[idea.id];
      delete rows[idea.id];
      if (!row) {
        row = el("li", "wall-bar");
        row.dataset.id = idea.id;
        row.appendChild(el("span", "wall-bar-title"));
        if (state.counts_shown) {
          var fresh = el("progress");
          fresh.setAttribute("aria-hidden", "true");
          row.appendChild(fresh);
          row.appendChild(el("span", "wall-bar-count"));
        }
      }
      row.querySelector(".wall-bar-title").textContent = idea.title;
      var bar = row.querySelector("progress");
      if (bar) {
        bar.max = top;
        bar.value = idea.count;
        row.querySelector(".wall-bar-count").textContent = countText(state, idea);
      }
      list.appendChild(row); /* appending an existing row moves it into sorted place */
    });
    Object.keys(rows).forEach(function (id) { list.removeChild(rows[id]); });
    return true;
  }

  function drawVoting(state, box) {
    if (state.numbers_hidden) { box.appendChild(el("p", "wall-note", labels.labelHidden)); }
    if (!state.idea_count) { box.appendChild(el("p", "wall-empty", labels.labelNone)); }
    var ideas = allIdeas(state);
    if (state.counts_shown) { ideas.sort(function (a, b) { return a.rank - b.rank; }); }
    var top = 1;
    ideas.forEach(function (idea) { if (idea.count > top) { top = idea.count; } });
    var list = el("ol", "wall-bars");
    ideas.forEach(function (idea) {
      var row = el("li", "wall-bar");
      row.dataset.id = idea.id;
      row.appendChild(el("span", "wall-bar-title", idea.title));
      if (state.counts_shown) {
        var bar = el("progress");
        bar.max = top;
        bar.value = idea.count;
        bar.setAttribute("aria-hidden", "true");
        row.appendChild(bar);
        row.appendChild(el("span", "wall-bar-count", countText(state, idea)));
      }
      list.appendChild(row);
    });
    box.appendChild(list);
  }

  function drawResults(state, box) {
    if (state.numbers_hidden) { box.appendChild(el("p", "wall-note", labels.labelHidden)); }
    var grid = el("div", "wall-themes");
    state.themes.forEach(function (theme) {
      var section = el("section", "wall-theme");
      section.appendChild(el("h3", null, theme.name));
      var list = el("ol", "wall-ranking");
      theme.ideas.slice(0, state.top_n).forEach(function (idea) {
        var item = el("li");
        item.dataset.id = idea.id;
        item.appendChild(el("span", "wall-bar-title", idea.title));
        if (state.counts_shown) {
          item.appendChild(document.createTextNode(" "));
          item.appendChild(el("span", "wall-bar-count", countText(state, idea)));
        }
        list.appendChild(item);
      });
      section.appendChild(list);
      grid.appendChild(section);
    });
    box.appendChild(grid);
  }

  /* The join corner: the count changes in place; a new code (or joining opened or closed)
     needs a new QR code, which the server draws: the page reloads. */
  var join = document.getElementById("wall-join");
  function applyEvening(evening) {
    if (!join || !evening) { return; }
    if ((evening.code || "") !== join.dataset.code ||
        (evening.open ? "1" : "0") !== join.dataset.open) {
      window.location.reload();
      return;
    }
    var count = document.getElementById("wall-participants");
    var label = document.getElementById("wall-participants-label");
    count.textContent = String(evening.participants);
    label.textContent = evening.participants === 1 ? join.dataset.labelOne : join.dataset.labelOther;
  }

  function apply(state) {
    if (!state || typeof state.version !== "number") { return; }
    applyEvening(state.evening);
    /* The clock offset comes from the page (rendered for this request, to the millisecond):
       a state's `now` is the moment it was rendered, and a state may come from the cache. */
    endsAt = state.timer_ends_at ? Date.parse(state.timer_ends_at) : null;
    tick();
    if (state.version === version && state.wall_mode === mode) { return; }
    var sameMode = state.wall_mode === mode && content.dataset.mode === mode;
    version = state.version;
    mode = state.wall_mode;
    phase.textContent = state.phase_label;
    if (sameMode && mode === "voting" && updateVoting(state)) { return; }
    var box = document.createDocumentFragment();
    box.appendChild(el("h2", "visually-hidden", labels["mode" + mode.charAt(0).toUpperCase() + mode.slice(1)]));
    if (mode === "voting") { drawVoting(state, box); }
    else if (mode === "results") { drawResults(state, box); }
    else { drawIdeas(state, box); }
    while (content.firstChild) { content.removeChild(content.firstChild); }
    content.appendChild(box);
    content.className = "wall-content wall-mode-" + mode;
    content.dataset.mode = mode;
    allIdeas(state).forEach(function (idea) { known[idea.id] = true; });
  }

  function tick() {
    if (endsAt === null) { timerBox.hidden = true; return; }
    timerBox.hidden = false;
    var left = Math.max(0, Math.round((endsAt - (Date.now() + clockOffset)) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    var text = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    if (timer.textContent !== text) { timer.textContent = text; }
    timerBox.classList.toggle("is-over", left === 0);
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(root.dataset.liveUrl, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (!response.ok) { return null; }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (state) { if (state) { apply(state); } })
      .catch(function () { /* the next poll tries again */ });
  }

  function startPolling() {
    if (pollTimer === null) {
      poll();
      pollTimer = window.setInterval(poll, 2000);
    }
    /* Try the stream again later: the server may have room for it then. */
    window.setTimeout(startStream, 30000);
  }

  function stopPolling() {
    if (pollTimer !== null) { window.clearInterval(pollTimer); pollTimer = null; }
  }

  function startStream() {
    if (!window.EventSource || source) { if (!window.EventSource) { startPolling(); } return; }
    var url = root.dataset.streamUrl + (root.dataset.streamUrl.indexOf("?") < 0 ? "?" : "&") + "v=" + version;
    source = new EventSource(url, { withCredentials: true });
    source.addEventListener("open", stopPolling);
    source.addEventListener("state", function (event) {
      try { apply(JSON.parse(event.data)); } catch (e) { /* a broken message: wait for the next */ }
    });
    source.addEventListener("error", function () {
      /* CONNECTING: the browser reconnects by itself (after the stream's lifetime, say);
         CLOSED: refused (503 when the server is full): poll instead. */
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        startPolling();
      }
    });
  }

  window.setInterval(tick, 250);
  tick();
  startStream();
})();
