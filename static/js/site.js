// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so screen readers announce what needs fixing.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // Folded boxes that are open from the start where there is room (the filters of the
  // idea list): on a phone they stay folded, so that the first screen shows ideas.
  if (window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-open-wide]"), function (box) {
      box.open = true;
    });
  }

  // Messages rendered with the page are not announced by a live region (nothing changed).
  // Once the region is known to assistive technology, swap in identical copies: a change
  // in the same frame, so nothing flickers, and the messages are read out.
  var region = document.getElementById("flash-messages");
  if (region && region.children.length && !summary) {
    window.setTimeout(function () {
      var copies = Array.prototype.map.call(region.children, function (item) {
        return item.cloneNode(true);
      });
      while (region.firstChild) { region.removeChild(region.firstChild); }
      copies.forEach(function (copy) { region.appendChild(copy); });
    }, 500);
  }
});
