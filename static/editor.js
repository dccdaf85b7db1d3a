// The article editor, enhanced: a Markdown toolbar, a live preview beside the text,
// image upload by button, drag-and-drop or paste, and autosave of the work in progress.
// Progressive enhancement only: without this file the form posts as a plain form
// (Preview renders on the server), and the upload form posts to the media library.
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var body = document.getElementById("body");
  var title = document.getElementById("title");
  var status = document.getElementById("editor-status");
  var previewBody = document.getElementById("preview-body");
  var previewTitle = document.getElementById("preview-title");
  var uploadForm = document.getElementById("upload-form");
  var featured = document.getElementById("featured");
  var csrf = form.querySelector('input[name="csrf_token"]');
  if (!body || !csrf) { return; }

  function say(text, isError) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("is-error", Boolean(isError));
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          var error = new Error(json.message || ("The server answered " + response.status + "."));
          error.status = response.status;
          throw error;
        }
        return json;
      });
    });
  }

  // -- Toolbar -------------------------------------------------------------------------

  function replaceSelection(before, after, placeholder) {
    var start = body.selectionStart, end = body.selectionEnd;
    var chosen = body.value.slice(start, end) || placeholder;
    body.setRangeText(before + chosen + after, start, end, "end");
    body.setSelectionRange(start + before.length, start + before.length + chosen.length);
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function prefixLines(prefix) {
    var value = body.value;
    var start = value.lastIndexOf("\n", body.selectionStart - 1) + 1;
    var end = body.selectionEnd;
    var lines = value.slice(start, end).split("\n").map(function (line, i) {
      return (typeof prefix === "function" ? prefix(i) : prefix) + line;
    });
    body.setRangeText(lines.join("\n"), start, end, "select");
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function insertText(text) {
    var start = body.selectionStart;
    var lead = start > 0 && body.value[start - 1] !== "\n" ? "\n\n" : "";
    body.setRangeText(lead + text + "\n\n", start, body.selectionEnd, "end");
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var fileInput = document.getElementById("upload-file");
  var tools = [
    ["Bold", "B", function () { replaceSelection("**", "**", "bold text"); }],
    ["Italic", "I", function () { replaceSelection("_", "_", "italic text"); }],
    ["Heading", "H", function () { prefixLines("## "); }],
    ["Quote", "\u201C", function () { prefixLines("> "); }],
    ["List", "\u2022", function () { prefixLines("- "); }],
    ["Numbered list", "1.", function () { prefixLines(function (i) { return (i + 1) + ". "; }); }],
    ["Link", "Link", function () { replaceSelection("[", "](https://)", "link text"); }],
    ["Code", "</>", function () { replaceSelection("`", "`", "code"); }],
    ["Image", "Image", function () {
      if (fileInput) { fileInput.dataset.fromToolbar = "1"; fileInput.click(); }
    }]
  ];
  var toolbar = document.createElement("div");
  toolbar.className = "md-toolbar";
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", "Formatting");
  toolbar.setAttribute("aria-controls", "body");
  tools.forEach(function (tool) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small-button";
    button.textContent = tool[1];
    button.title = tool[0];
    button.setAttribute("aria-label", tool[0]);
    button.addEventListener("click", tool[2]);
    toolbar.appendChild(button);
  });
  body.parentNode.insertBefore(toolbar, body);
  body.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) { return; }
    var key = (event.key || "").toLowerCase();
    if (key === "b") { event.preventDefault(); replaceSelection("**", "**", "bold text"); }
    if (key === "i") { event.preventDefault(); replaceSelection("_", "_", "italic text"); }
  });

  // -- Live preview --------------------------------------------------------------------

  var previewTimer = null, previewSeq = 0;
  function refreshPreview() {
    if (!previewBody || !form.dataset.previewUrl) { return; }
    var data = new FormData();
    data.append("csrf_token", csrf.value);
    data.append("title", title ? title.value : "");
    data.append("body", body.value);
    var seq = ++previewSeq;
    post(form.dataset.previewUrl, data).then(function (json) {
      if (seq !== previewSeq || typeof json.html !== "string") { return; }
      previewBody.innerHTML = json.html;  // sanitized by the server's article allow-list
    }).catch(function () { /* the Preview button still works */ });
  }
  function schedulePreview() {
    if (previewTitle && title) { previewTitle.textContent = title.value; }
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 400);
  }
  body.addEventListener("input", schedulePreview);
  if (title) { title.addEventListener("input", schedulePreview); }
  if (body.value.trim() && previewBody && previewBody.querySelector(".preview-empty")) {
    refreshPreview();
  }

  // -- Autosave ------------------------------------------------------------------------

  var dirty = false, saving = null, submitting = false;
  var seconds = parseInt(form.dataset.autosaveSeconds || "0", 10);
  form.addEventListener("input", function () { dirty = true; });

  function autosave() {
    if (!dirty || saving || submitting || !form.dataset.autosaveUrl) { return saving; }
    var data = new FormData(form);
    data.delete("action");
    dirty = false;
    saving = post(form.dataset.autosaveUrl, data).then(function (json) {
      if (json.created) {
        form.action = json.edit_url;
        form.dataset.autosaveUrl = json.autosave_url;
        if (window.history && history.replaceState) { history.replaceState(null, "", json.edit_url); }
      }
      if (json.saved) {
        say("Draft kept aside at " + new Date().toLocaleTimeString() +
            (json.created ? " (saved as a draft)." : " (save or publish to use it)."));
      }
    }).catch(function (error) {
      dirty = true;
      say("Autosave failed: " + error.message, true);
    }).then(function () { saving = null; });
    return saving;
  }
  if (seconds > 0) { setInterval(autosave, seconds * 1000); }

  // A new article's first autosave creates it: a submit must wait for that answer, so
  // that it updates the article rather than creating a second one.
  form.addEventListener("submit", function (event) {
    if (saving && !submitting) {
      event.preventDefault();
      var submitter = event.submitter;
      saving.then(function () {
        submitting = true;
        if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
      });
      return;
    }
    submitting = true;
  });

  // -- Uploads -------------------------------------------------------------------------

  var altInput = document.getElementById("upload-alt");
  Array.prototype.forEach.call(document.querySelectorAll(".no-js-note"), function (note) {
    note.hidden = true;  // with this script, uploading stays on the page
  });
  var useAsFeatured = null;
  if (uploadForm && featured) {
    var label = document.createElement("label");
    label.className = "inline-label";
    useAsFeatured = document.createElement("input");
    useAsFeatured.type = "checkbox";
    useAsFeatured.id = "upload-featured";
    label.appendChild(useAsFeatured);
    label.appendChild(document.createTextNode(" Use as the featured image"));
    var holder = document.createElement("p");
    holder.appendChild(label);
    var submitRow = uploadForm.querySelector("button[type=submit]");
    uploadForm.insertBefore(holder, submitRow ? submitRow.parentNode : null);
  }

  function addFeaturedChoice(media, feature) {
    if (!featured) { return; }
    var option = featured.querySelector('option[value="' + media.id + '"]');
    if (!option) {
      option = document.createElement("option");
      option.value = String(media.id);
      option.textContent = media.alt || media.filename;
      featured.insertBefore(option, featured.options[1] || null);
    }
    if (feature) {
      featured.value = String(media.id);
      dirty = true;
    }
  }

  function upload(file, alt, insert) {
    if (!file || !form.dataset.uploadUrl) { return; }
    var feature = Boolean(useAsFeatured && useAsFeatured.checked);
    var data = new FormData();
    data.append("csrf_token", csrf.value);
    data.append("file", file, file.name || "pasted-image");
    data.append("alt", alt || "");
    say("Uploading " + (file.name || "the image") + "\u2026");
    post(form.dataset.uploadUrl, data).then(function (media) {
      addFeaturedChoice(media, feature);
      if (insert) { insertText(media.markdown); }
      say("Uploaded " + media.filename + (insert ? "; its Markdown is in the body." : "."));
    }).catch(function (error) {
      say("Upload refused: " + error.message, true);
    });
  }

  if (uploadForm) {
    uploadForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = fileInput && fileInput.files && fileInput.files[0];
      if (!file) { say("Choose an image file first.", true); return; }
      upload(file, altInput ? altInput.value : "", true);
      uploadForm.reset();
    });
  }
  if (fileInput && uploadForm) {
    fileInput.addEventListener("change", function () {
      // From the toolbar's Image button: upload at once.
      if (fileInput.dataset.fromToolbar === "1" && fileInput.files && fileInput.files[0]) {
        upload(fileInput.files[0], altInput ? altInput.value : "", true);
        uploadForm.reset();
      }
      fileInput.dataset.fromToolbar = "";
    });
  }

  function imageFiles(list) {
    return Array.prototype.filter.call(list || [], function (file) {
      return /^image\//.test(file.type || "");
    });
  }
  body.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types || [], "Files") >= 0) {
      event.preventDefault();
      body.classList.add("is-drop-target");
    }
  });
  body.addEventListener("dragleave", function () { body.classList.remove("is-drop-target"); });
  body.addEventListener("drop", function (event) {
    body.classList.remove("is-drop-target");
    var files = imageFiles(event.dataTransfer && event.dataTransfer.files);
    if (!files.length) { return; }
    event.preventDefault();
    files.forEach(function (file) { upload(file, "", true); });
  });
  body.addEventListener("paste", function (event) {
    var files = imageFiles(event.clipboardData && event.clipboardData.files);
    if (!files.length) { return; }
    event.preventDefault();
    files.forEach(function (file) { upload(file, "", true); });
  });
}());
