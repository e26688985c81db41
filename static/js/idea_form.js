// The idea form: a character counter for the title. Enhancement only; maxlength and the
// server's checks stand without it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.querySelector("form[data-title-counter]");
  var input = form && form.querySelector("#title");
  if (!input || !(input.maxLength > 0)) { return; }
  var counter = document.createElement("p");
  counter.className = "hint char-counter";
  counter.id = "title-counter";
  input.insertAdjacentElement("afterend", counter);
  var template = form.getAttribute("data-title-counter");
  function update() {
    counter.textContent = template.replace("{remaining}", String(input.maxLength - input.value.length));
  }
  input.addEventListener("input", update);
  update();
});
