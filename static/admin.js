// Staff pages. A destructive button (class "danger") asks to be pressed twice: the first
// press arms it (its label says what a second press does), a second within six seconds
// sends. No dialog, so keyboard and screen-reader users get the same confirmation.
// The queue's bulk Apply asks the same when it deletes for good or acts on every page.
// "Select all N matching" ticks the page's boxes too, and unticking one row clears it.
(function () {
  "use strict";
  var ARMED_MS = 6000;

  function disarm(button) {
    if (!button.dataset.label) { return; }
    button.textContent = button.dataset.label;
    button.classList.remove("is-armed");
    delete button.dataset.label;
  }

  // The bulk Apply asks twice when it deletes for good or reaches beyond this page.
  function bulkNeedsConfirming(button) {
    var form = button.form;
    var action = form && form.querySelector("#bulk-action");
    var every = form && form.querySelector("#all-matching");
    if (!action || !action.value) { return false; }
    if (every && every.checked) {
      button.dataset.confirm = "Click again to apply to all " + every.dataset.count + " comments";
      return true;
    }
    if (action.value === "delete") {
      button.dataset.confirm = "Click again to delete the selected comments for good";
      return true;
    }
    return false;
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented) { return; }
    var target = event.target.closest ? event.target : event.target.parentElement;
    var button = target && target.closest("button.danger, button[name=bulk]");
    if (!button || (button.name === "bulk" && !bulkNeedsConfirming(button))) { return; }
    if (button.classList.contains("is-armed")) { return; } // the second press sends
    event.preventDefault();
    button.dataset.label = button.textContent;
    button.textContent = button.dataset.confirm || "Click again to confirm";
    button.classList.add("is-armed");
    var status = document.getElementById("admin-live");
    if (status) { status.textContent = button.textContent; }
    window.setTimeout(function () { disarm(button); }, ARMED_MS);
  });

  var everyPage = document.getElementById("all-matching");
  var thisPage = document.getElementById("select-all");
  if (everyPage) {
    var boxes = document.querySelectorAll('.queue input[name="ids"]');
    everyPage.addEventListener("change", function () {
      if (everyPage.checked) {
        if (thisPage) { thisPage.checked = true; }
        boxes.forEach(function (box) { box.checked = true; });
      }
    });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        if (!box.checked) { everyPage.checked = false; }
      });
    });
    if (thisPage) {
      thisPage.addEventListener("change", function () {
        if (!thisPage.checked) { everyPage.checked = false; }
      });
    }
  }
}());
