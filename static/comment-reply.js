// Replies in place, as WordPress's comment-reply.js: "Reply" moves the Leave a Reply form
// under the comment it answers, names whom it answers, and Cancel puts it back. A refused
// post's page keeps the focus on what was wrong. Ctrl+Enter
// (Cmd+Enter) sends. Progressive enhancement only: without this script "Reply" follows its
// ?replytocom= link and the server draws the same form.
(function () {
  "use strict";
  var respond = document.getElementById("respond");
  var form = document.getElementById("commentform");
  if (!respond || !form) { return; }
  var parentField = document.getElementById("comment_parent");
  var title = respond.querySelector(".reply-title-text");
  var text = document.getElementById("comment");
  var home = null; // the placeholder marking where the form stands when not replying

  // A refused post's page opens at #form-problems, which the browser focuses; should it
  // not (an older browser, a reload), focus it once the page has settled.
  var problems = document.getElementById("form-problems");
  if (problems) {
    window.addEventListener("load", function () {
      window.setTimeout(function () {
        if (document.activeElement === document.body || !document.activeElement) {
          problems.focus();
        }
      }, 0);
    });
  }

  function cancelControl() {
    var control = document.getElementById("cancel-comment-reply-link");
    if (!control) {
      control = document.createElement("a");
      control.id = "cancel-comment-reply-link";
      control.className = "cancel-reply";
      control.rel = "nofollow";
      control.href = window.location.pathname + "#respond";
      control.textContent = "Cancel reply";
      title.parentNode.appendChild(control);
    }
    control.hidden = false;
    return control;
  }

  function moveUnder(link) {
    var below = document.getElementById(link.dataset.belowelement);
    if (!below) { return false; }
    if (!home) {
      home = document.createElement("div");
      home.id = "wp-temp-form-div";
      home.hidden = true;
      respond.parentNode.insertBefore(home, respond);
    }
    var body = below.querySelector(".comment-body");
    below.insertBefore(respond, body ? body.nextSibling : below.firstChild);
    respond.classList.add("is-replying");
    parentField.value = link.dataset.commentid;
    title.textContent = link.dataset.replyto;
    cancelControl();
    if (text) { text.focus(); }
    return true;
  }

  function cancel() {
    if (home) {
      home.parentNode.insertBefore(respond, home);
    }
    respond.classList.remove("is-replying");
    parentField.value = "0";
    title.textContent = form.dataset.replyTitle || "Leave a Reply";
    var control = document.getElementById("cancel-comment-reply-link");
    if (control) { control.hidden = true; }
    var back = document.getElementById("reply-title");
    if (text) { text.focus(); } else if (back) { back.focus(); }
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.altKey) { return; }
    var target = event.target.closest ? event.target : event.target.parentElement;
    var link = target && target.closest(".comment-reply-link");
    if (link && link.dataset.commentid && moveUnder(link)) {
      event.preventDefault();
      return;
    }
    if (target && target.closest("#cancel-comment-reply-link")) {
      event.preventDefault();
      cancel();
    }
  });

  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target === text) {
      event.preventDefault();
      var submit = document.getElementById("submit");
      if (form.requestSubmit) { form.requestSubmit(submit || undefined); } else { form.submit(); }
    }
  });
}());
