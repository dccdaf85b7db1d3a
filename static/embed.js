/* blogapp embed: a comment thread and its Leave a Reply form inside a Shadow DOM.

   <div data-blogapp-thread data-url="https://site.example/post/" data-title="Post"></div>
   <script src="https://comments.example/embed.js" defer></script>

   Talks only to the server it was loaded from (/api/v1), sets no style attribute (the CSS
   is a <link> to embed.css on that server), keeps the author's held-comment preview tokens
   and, with consent, their details in localStorage. No framework, no build step. */
(() => {
  "use strict";
  const script = document.currentScript;
  const base = new URL(".", script ? script.src : location.href).href;
  const api = base + "api/v1/";
  const HELD = "Your comment is awaiting moderation.";
  const FIELDS = [  // name, label, input type, maximum length, autocomplete
    ["comment", "Comment", "textarea", 65525],
    ["author", "Name", "text", 245, "name"],
    ["email", "Email", "email", 100, "email"],
    ["url", "Website", "url", 200, "url"],
  ];

  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v == null) continue;
      if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    e.append(...kids.filter((k) => k != null));
    return e;
  };

  const store = {  // localStorage may be off (private mode, blocked): then nothing is kept
    get(key) {
      try { return JSON.parse(localStorage.getItem("blogapp:" + key)); } catch (e) { return null; }
    },
    set(key, value) {
      try {
        if (value == null) localStorage.removeItem("blogapp:" + key);
        else localStorage.setItem("blogapp:" + key, JSON.stringify(value));
      } catch (e) { /* storage full or refused */ }
    },
  };

  const pageUrl = () => {
    const canonical = document.querySelector('link[rel="canonical"]');
    const url = new URL(canonical ? canonical.href : location.href);
    url.hash = "";
    url.search = "";
    return url.href;
  };

  async function call(path, options) {
    let response;
    try {
      response = await fetch(api + path, { credentials: "omit", ...options });
    } catch (e) {
      return { status: 0, data: { message: "The comment server could not be reached. Please try again." } };
    }
    let data = {};
    try { data = await response.json(); } catch (e) { /* not JSON: keep the status */ }
    return { status: response.status, data };
  }

  function mount(host) {
    const article = host.dataset.article;
    const thread = article ? { article } : { url: host.dataset.url || pageUrl(), title: host.dataset.title || document.title };
    const key = article ? "article:" + article : thread.url;
    const path = article ? "threads/article/" + encodeURIComponent(article) : "threads?url=" + encodeURIComponent(thread.url);
    const root = host.attachShadow({ mode: "open" });
    const box = el("section", { class: "comments", hidden: true, "aria-label": "Comments" });
    const shown = () => { box.hidden = false; };
    root.append(el("link", { rel: "stylesheet", href: base + "embed.css", onload: shown, onerror: shown }), box);

    const status = el("p", { class: "status", role: "status" });
    const heading = el("h2", { class: "comments-title" });
    const list = el("ol", { class: "comment-list" });
    const nav = el("nav", { class: "comment-navigation", "aria-label": "Comment pages" });
    const respond = el("div", { class: "comment-respond" });
    box.append(heading, list, nav, respond, status);
    let info = null;  // the thread as last loaded
    let form = null;

    const announce = (text) => { status.textContent = text; };

    function node(c, depth, held) {
      const name = c.author || "Anonymous";
      const li = el("li", { id: "comment-" + c.id, class: "comment depth-" + depth + (held ? " comment-held" : ""), tabindex: "-1" });
      li.dataset.depth = depth;
      const when = new Date(c.created);
      const meta = el("footer", { class: "comment-meta" },
        el("img", { class: "avatar", src: c.avatar, alt: "", width: 40, height: 40, loading: "lazy" }),
        el("b", { class: "comment-author" }, c.author_url ? el("a", { href: c.author_url, rel: "external nofollow ugc noopener", text: name }) : name),
        el("a", { class: "comment-date", href: c.permalink },
          el("time", { datetime: c.created, text: isNaN(when) ? c.created : when.toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" }) })),
        held ? el("p", { class: "comment-awaiting-moderation", text: HELD }) : null);
      const content = el("div", { class: "comment-content" });
      content.innerHTML = c.html;  // sanitized by the comment server's allow-list
      const body = el("article", { class: "comment-body" }, meta, content);
      if (info.thread.open && !held && depth < info.form.thread_depth) {
        body.append(el("p", { class: "reply" }, el("button", {
          type: "button", class: "comment-reply-link", "aria-label": "Reply to " + name, text: "Reply",
          onclick: () => replyTo(li, c.id, name),
        })));
      }
      li.append(body);
      for (const r of c.replies || []) place(li, node(r, depth + 1, false));
      return li;
    }

    function place(parentLi, li) {  // under its parent's replies, or at the end of the list
      if (!parentLi) return list.append(li);
      let children = parentLi.querySelector(":scope > ol.children");
      if (!children) parentLi.append(children = el("ol", { class: "children" }));
      children.append(li);
    }

    const byId = (id) => id ? root.getElementById("comment-" + id) : null;

    function title() {
      const n = info.thread.count;
      heading.textContent = n ? n + (n === 1 ? " Response" : " Responses") : "";
      heading.hidden = !n;
    }

    async function load(page) {
      const { status: code, data } = await call(path + (page ? (article ? "?" : "&") + "page=" + page : ""));
      if (code !== 200) {
        announce(data.message || "The comments could not be loaded.");
        return shown();
      }
      info = data;
      cancelReply();  // the form may sit in a comment of the page being replaced
      title();
      list.replaceChildren(...data.comments.map((c) => node(c, 1, false)));
      nav.replaceChildren();
      if (data.pages > 1) {
        if (data.page > 1) nav.append(el("button", { type: "button", text: "Older comments", onclick: () => load(data.page - 1) }));
        nav.append(el("span", { text: "Comment page " + data.page + " of " + data.pages }));
        if (data.page < data.pages) nav.append(el("button", { type: "button", text: "Newer comments", onclick: () => load(data.page + 1) }));
      }
      if (!form) buildForm();
      previews();
    }

    async function previews() {  // the author's own held comments, by their preview tokens
      const held = store.get("held") || [];
      for (const h of held.filter((h) => h.key === key)) {
        if (byId(h.id)) continue;
        const { status: code, data } = await call("comments/" + h.id + "/preview", { headers: { "X-Blogapp-Preview": h.token } });
        if (code === 200) {
          const parent = byId(data.comment.parent);
          if (!byId(h.id)) place(parent, node(data.comment, parent ? +parent.dataset.depth + 1 : 1, true));
        } else if (code === 404) {
          store.set("held", (store.get("held") || []).filter((x) => x.id !== h.id));
        }
      }
    }

    function buildForm() {
      const cfg = info.form;
      if (!info.thread.open) return respond.append(el("p", { class: "comments-closed", text: "Comments are closed." }));
      const saved = store.get("details");
      const reply = el("h3", { id: "reply-title", class: "comment-reply-title", text: "Leave a Reply" });
      const cancel = el("button", { type: "button", class: "cancel-reply", hidden: true, text: "Cancel reply", onclick: () => cancelReply() });
      const alert = el("div", { class: "form-message", role: "alert" });
      form = el("form", { class: "comment-form", novalidate: true, "aria-labelledby": "reply-title" }, alert,
        el("p", { class: "comment-notes" }, el("span", { id: "email-notes", text: "Your email address will not be published." }),
          " Required fields are marked ", el("span", { class: "required", text: "*" })));
      for (const [name, label, type, max, auto] of FIELDS) {
        const required = name === "comment" || (cfg.require_name_email && (name === "author" || name === "email"));
        const attrs = { id: name, name, maxlength: name === "comment" ? cfg.max_length || max : max, required, autocomplete: auto };
        const input = type === "textarea" ? el("textarea", { ...attrs, rows: 6 }) : el("input", { ...attrs, type });
        if (name === "email") input.setAttribute("aria-describedby", "email-notes");
        if (saved && name !== "comment") input.value = saved[name] || "";
        form.append(el("p", { class: "comment-form-" + name },
          el("label", { for: name }, label, required ? el("span", { class: "required", "aria-hidden": "true", text: " *" }) : null), input));
      }
      const consent = el("input", { id: "wp-comment-cookies-consent", name: "wp-comment-cookies-consent", type: "checkbox", value: "yes", checked: !!saved });
      const submit = el("button", { type: "submit", class: "submit", text: "Post Comment" });
      // The "Notify me" boxes, offered while the site sends mail (as the article page's form)
      const boxes = (cfg.subscribe_comments || []).map((value) => el("input", { id: "subscribe_comments" + (value === "replies" ? "" : "_" + value), name: "subscribe_comments", type: "checkbox", value }));
      const notify = boxes.length ? el("p", { class: "comment-subscription-form" }, ...boxes.flatMap((box, i) => [i ? el("br") : null, box,
        el("label", { for: box.id, text: box.value === "all" ? " Notify me of every new comment on this article by email" : " Notify me of replies to my comment by email" })])) : null;
      const trap = el("input", { id: "contact_fax", name: "contact_fax", type: "text", tabindex: "-1", autocomplete: "off" });
      form.append(el("p", { class: "comment-form-cookies-consent" }, consent,
        el("label", { for: "wp-comment-cookies-consent", text: " Save my name, email, and website in this browser for the next time I comment." })), notify,
        el("p", { class: "comment-form-hp", "aria-hidden": "true" }, el("label", { for: "contact_fax", text: "Leave this field empty" }), trap),
        el("p", { class: "form-submit" }, submit));
      respond.append(el("div", { class: "reply-heading" }, reply, cancel), form);
      let parent = 0;

      replyTo = (li, id, name) => {
        parent = id;
        reply.textContent = "Reply to " + name;
        cancel.hidden = false;
        li.querySelector(":scope > .comment-body").after(respond);
        form.elements.comment.focus();
      };
      cancelReply = () => {
        parent = 0;
        reply.textContent = "Leave a Reply";
        cancel.hidden = true;
        nav.after(respond);
      };

      const LABELS = Object.fromEntries([...FIELDS.map(([name, label]) => [name, label]), ...(notify ? [["subscribe_comments", "Notify me by email"]] : [])]);
      const field = (name) => (name === "subscribe_comments" ? boxes[0] : form.elements[name]);
      const clear = () => {
        alert.replaceChildren();
        for (const e of form.querySelectorAll(".field-error")) e.remove();
        for (const name of Object.keys(LABELS)) {
          const input = field(name);
          input.removeAttribute("aria-invalid");
          if (name === "email") input.setAttribute("aria-describedby", "email-notes");
          else input.removeAttribute("aria-describedby");
          input.parentNode.classList.remove("has-error");
        }
      };

      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        clear();
        submit.disabled = true;
        const values = Object.fromEntries(FIELDS.map(([name]) => [name, form.elements[name].value]));
        const ticked = boxes.filter((box) => box.checked).map((box) => box.value);
        const body = { ...(article ? { article } : { thread }), ...values, comment_parent: parent, form_token: cfg.form_token, consent: consent.checked, subscribe_comments: ticked, contact_fax: trap.value };
        const { status: code, data } = await call("comments", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        submit.disabled = false;
        if (code === 201) return posted(data, values, consent.checked);
        const fields = Object.entries(data.fields || {});
        const wrong = fields.filter(([name]) => name in LABELS);
        if (data.message && !wrong.length) alert.append(el("p", { class: "flash flash-error", text: data.message }));
        if (wrong.length) {
          alert.append(el("div", { class: "error-summary" }, el("p", {}, el("strong", { text: "Please correct the following:" })),
            el("ul", {}, ...wrong.map(([name, msg]) => el("li", { text: LABELS[name] + ": " + msg })))));
        } else if (!data.message) {
          alert.append(el("p", { class: "flash flash-error", text: "Your comment could not be posted (error " + code + "). Your text is kept: please try again." }));
        }
        for (const [name, msg] of wrong) {
          const input = field(name);
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", name + "-error" + (name === "email" ? " email-notes" : ""));
          input.parentNode.classList.add("has-error");
          input.parentNode.append(el("span", { class: "field-error", id: name + "-error", text: msg }));
        }
        const first = Object.keys(LABELS).find((name) => wrong.some(([w]) => w === name));
        if (first) field(first).focus();
      });

      function posted(data, values, keep) {
        store.set("details", keep ? { author: values.author, email: values.email, url: values.url } : null);
        const held = data.status !== "approved";
        if (held && data.preview_token) {
          const kept = (store.get("held") || []).filter((h) => h.id !== data.comment.id).slice(-19);
          store.set("held", [...kept, { key, id: data.comment.id, token: data.preview_token }]);
        }
        const parentLi = byId(data.comment.parent);
        const li = node(data.comment, parentLi ? +parentLi.dataset.depth + 1 : 1, held);
        cancelReply();
        place(parentLi, li);
        if (!held) { info.thread.count += 1; title(); }
        form.elements.comment.value = "";
        for (const box of boxes) box.checked = false;
        const mail = data.subscribed ? " We will mail you about " + (data.subscribed === "all" ? "new comments" : "replies") + " once you confirm the link we mail you (if you have not before)." : "";
        announce((held ? data.message || HELD : "Your comment was posted.") + mail);
        li.focus();
      }
    }
    let replyTo = () => {};
    let cancelReply = () => {};

    load(0);
  }

  const start = () => {
    for (const host of document.querySelectorAll("[data-blogapp-thread]")) {
      if (!host.shadowRoot) mount(host);
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
