// Summary curation: drag an idea within its theme to reorder (the buttons do the same
// without JavaScript). After a drop the new order is sent, then the form is saved, so what
// was typed is kept and the page shows the order the server stored.
(function () {
  "use strict";
  var form = document.querySelector("form.summary-edit");
  if (!form) { return; }
  var token = form.querySelector("input[name=csrf_token]");
  var saveButton = form.querySelector("button[name=action][value=save]");
  var dragged = null;

  function allIds() {
    return Array.prototype.map.call(
      form.querySelectorAll("ol.summary-curation > li[data-idea]"),
      function (li) { return li.getAttribute("data-idea"); }
    );
  }

  function send(list) {
    var body = new URLSearchParams();
    body.set("order", allIds().join(","));
    if (token) { body.set("csrf_token", token.value); }
    fetch(list.getAttribute("data-order-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.ok && saveButton) {
        if (form.requestSubmit) { form.requestSubmit(saveButton); } else { saveButton.click(); }
      }
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("ol.summary-curation"), function (list) {
    Array.prototype.forEach.call(list.children, function (item) {
      item.setAttribute("draggable", "true");
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.getAttribute("data-idea"));
      });
      item.addEventListener("dragover", function (event) {
        if (dragged && dragged !== item && dragged.parentNode === list) {
          event.preventDefault();
        }
      });
      item.addEventListener("drop", function (event) {
        if (!dragged || dragged.parentNode !== list || dragged === item) { return; }
        event.preventDefault();
        var rect = item.getBoundingClientRect();
        var after = event.clientY > rect.top + rect.height / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
        dragged = null;
        send(list);
      });
      item.addEventListener("dragend", function () { dragged = null; });
    });
  });
})();
