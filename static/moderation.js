// Keyboard shortcuts for the comment queue, as in WordPress: j/k move, a approve,
// s spam, d trash, u unapprove, r reply, x select. Progressive enhancement only: every
// key presses a button or follows a link that works without JavaScript.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll(".queue .comment-row"));
  var selectAll = document.getElementById("select-all");
  var boxes = document.querySelectorAll('.queue input[name="ids"]');
  if (selectAll) {
    // Without JavaScript "select all" sends every id on the page; with it, the row boxes
    // follow, and unticking one row unticks "select all" so only ticked rows are sent.
    selectAll.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = selectAll.checked; });
    });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        if (!box.checked) { selectAll.checked = false; }
      });
    });
  }
  if (!rows.length) { return; }
  var current = -1;
  var saved = "blogapp-queue-row";
  var keys = { a: "approve", s: "spam", d: "trash", u: "unapprove", r: "reply" };

  function typing(el) {
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") {
      return true;
    }
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }

  function focusRow(index) {
    if (index < 0 || index >= rows.length) { return; }
    if (current >= 0) { rows[current].classList.remove("is-current"); }
    current = index;
    rows[current].classList.add("is-current");
    rows[current].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (typing(target)) { return; }
    var key = event.key;
    if (key === "j") { focusRow(current + 1); }
    else if (key === "k") { focusRow(current < 0 ? 0 : current - 1); }
    else if (current >= 0 && key === "x") {
      var box = rows[current].querySelector('input[name="ids"]');
      if (box) { box.click(); }
    } else if (current >= 0 && keys[key]) {
      var control = rows[current].querySelector('[data-action="' + keys[key] + '"]');
      if (!control) { return; }
      event.preventDefault();
      try { sessionStorage.setItem(saved, String(current)); } catch (e) { /* private mode */ }
      control.click();
    }
  });

  // After an action the page reloads: keep the cursor where it was.
  try {
    var before = sessionStorage.getItem(saved);
    sessionStorage.removeItem(saved);
    if (before !== null) { focusRow(Math.min(parseInt(before, 10), rows.length - 1)); }
  } catch (e) { /* storage unavailable */ }
}());
