// Staff pages. A destructive button (class "danger") asks to be pressed twice: the first
// press arms it (its label says what a second press does), a second within six seconds
// sends. No dialog, so keyboard and screen-reader users get the same confirmation.
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

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented) { return; }
    var target = event.target.closest ? event.target : event.target.parentElement;
    var button = target && target.closest("button.danger");
    if (!button) { return; }
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
