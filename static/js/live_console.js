/* The moderators' live console: one key per decision on the focused idea of the live queue
   ("a" approves, "r" rejects with the reason chosen in that idea's form). Keys typed into a
   field are left alone. Without this script the buttons do the same. After a decision the
   page comes back at #queue: the first waiting idea gets the focus, so the next key works. */
(function () {
  "use strict";
  var queue = document.querySelector(".live-queue");
  if (!queue) { return; }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target.closest("input, select, textarea")) { return; }
    var item = target.closest(".live-queue-item");
    if (!item) { return; }
    var key = event.key.toLowerCase();
    var form = item.querySelector('form[data-key="' + key + '"]');
    if (!form) { return; }
    event.preventDefault();
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });

  /* After the page has loaded: the browser's own scrolling to #queue would take the focus
     away again. */
  function focusFirst() {
    var first = queue.querySelector(".live-queue-item");
    if (first) { first.focus(); }
  }
  if (window.location.hash === "#queue") {
    window.addEventListener("load", function () { window.setTimeout(focusFirst, 0); });
  }
})();
