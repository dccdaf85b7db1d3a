"""A headless Chromium that opens pages, exercises every element and reports anything a
payload could have done: dialogs, console output, page errors, requests to payload hosts,
event-handler attributes, script URLs and active elements left in the live DOM.

The context bypasses the Content Security Policy on purpose: escaping and the sanitizer
must hold on their own, CSP is the second line (tests/security/test_headers.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SNAPSHOT_PREFIX = "/__snapshot__/"
# Console noise from Chromium itself, not from page code: aborted loads and DOM lints.
BENIGN_CONSOLE = re.compile(
    r"^(Failed to load resource|\[DOM\] |Not allowed to launch 'mailto:"
    # the probe's click on a file input (the editor's upload field), which is no user's:
    r"|File chooser dialog can only be shown with a user activation"
    # an <input type=datetime-local> given back the text a refused form held:
    r"|The specified value .* does not conform to the required format)", re.DOTALL)

# Events every element receives (inline handlers run on dispatched events too); focus and
# click are done for real with el.focus() and el.click().
EVENTS = ["mouseover", "mouseenter", "pointerover", "mousemove", "mousedown", "mouseup",
          "dblclick", "contextmenu", "focus", "focusin", "blur", "keydown", "input", "change",
          "toggle", "animationstart", "transitionend", "error", "load"]
# Real focus() recalculates styles (~3 ms an element on a 5,000-element queue page): on
# pages that large it is kept for the elements that show readers' and owners' words.
CONTENT = (".comment-content, .comment-author, .post-body, main h1, main h2, .summary, "
           "td.who, td.text, .error-summary, .preview")
REAL_FOCUS_LIMIT = 2500

# Clicking a link or a submit button to an http(s) or mailto address would only navigate
# (the probe holds navigations back anyway, slowly): cancel just those default actions.
# Handlers still run, and script, data and other URLs keep their default action.
WALK_JS = """([events, content, limit]) => {
  const inert = ev => {
    const t = ev.target;
    if (!t || !t.closest) return;
    const link = t.closest('a[href], area[href]');
    if (link && /^(https?|mailto):/i.test(link.href)) ev.preventDefault();
    const button = t.closest('button, input[type=submit], input[type=image]');
    if (button && button.form && /^https?:/i.test(button.formAction || button.form.action))
      ev.preventDefault();
  };
  window.addEventListener('click', inert, true);
  const all = Array.from(document.querySelectorAll('*'));
  const realFocus = all.length <= limit ? () => true : el => el.closest(content) !== null;
  for (const el of all) {
    for (const type of events) {
      try { el.dispatchEvent(new Event(type, {bubbles: true, cancelable: true})); } catch (e) {}
    }
    try { if (el.focus && realFocus(el)) el.focus({preventScroll: true}); } catch (e) {}
    const root = el.localName === 'html' || el.localName === 'body';
    try { if (el.click && !root) el.click(); } catch (e) {}
  }
  window.removeEventListener('click', inert, true);
  return all.length;
}"""

# Where readers' and owners' words are shown: the sample real mouse moves go there.
TARGETS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll(
      '.comment-content *, .comment-author, .post-body *, main h1, main h2, td.who, td.text div')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) out.push([r.left + window.scrollX + Math.min(r.width / 2, 20),
                                              r.top + window.scrollY + Math.min(r.height / 2, 8)]);
  }
  return out;
}"""

# Everything an injected payload could leave behind that the app never emits itself.
DOM_CHECK_JS = r"""(nonce) => {
  const bad = [];
  const snippet = el => el.outerHTML.slice(0, 240);
  const squash = v => v.replace(/[\u0000-\u0020\u007f-\u00a0\u2028\u2029\u200b\ufeff]/g, '')
                       .toLowerCase();
  const XHTML = 'http://www.w3.org/1999/xhtml', SVG = 'http://www.w3.org/2000/svg',
        MATHML = 'http://www.w3.org/1998/Math/MathML';
  const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data',
    'background', 'poster', 'cite', 'codebase', 'dynsrc', 'lowsrc', 'ping', 'srcset', 'longdesc',
    'usemap', 'manifest', 'icon', 'to', 'from', 'values', 'by']);
  const ACTIVE = new Set(['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base',
    'portal', 'animate', 'set', 'animatemotion', 'animatetransform', 'use', 'foreignobject',
    'handler', 'listener', 'math', 'maction', 'annotation-xml', 'isindex', 'keygen', 'image',
    'template', 'noscript', 'xmp', 'plaintext', 'listing', 'marquee', 'bgsound']);
  const ATOM = 'http://www.w3.org/2005/Atom';
  const htmlDocument = document.contentType === 'text/html';
  const inFeed = el => { for (let p = el.parentElement; p; p = p.parentElement)
                           if (p.namespaceURI === ATOM) return true; return false; };
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName.toLowerCase();
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      const value = squash(a.value);
      if (name.startsWith('on')) bad.push(['event-handler attribute ' + name, snippet(el)]);
      if (name === 'srcdoc') bad.push(['srcdoc attribute', snippet(el)]);
      if (URL_ATTRS.has(name) && /^(javascript|vbscript|livescript|data):/.test(value))
        bad.push(['script or data URL in ' + name, snippet(el)]);
      // Only a refresh acts on a URL in content: OpenGraph and Twitter tags carry titles
      // as typed, which may spell "url=javascript:" and are inert text.
      if (name === 'content' && el.hasAttribute('http-equiv')
          && /url=(javascript|vbscript|data):/.test(value))
        bad.push(['script URL in meta content', snippet(el)]);
      if (name === 'style' && /expression|javascript:|url\(|behavior|binding/.test(value))
        bad.push(['active style attribute', snippet(el)]);
    }
    if (!htmlDocument) {
      // A feed (wrapped by Chromium's XML viewer in its own XHTML): inside the Atom tree,
      // an XHTML, SVG or MathML element would be live markup.
      if ([XHTML, SVG, MATHML].includes(el.namespaceURI) && inFeed(el))
        bad.push(['(X)HTML, SVG or MathML element in the feed', snippet(el)]);
      continue;
    }
    // The page's own JSON-LD block (a data block browsers never run) sits in <head>.
    const dataBlock = tag === 'script' && el.getAttribute('type') === 'application/ld+json'
      && !el.hasAttribute('src') && el.parentElement === document.head;
    // The theme's own files (/static/*.js, allowed by script-src 'self') need no nonce:
    // stored pages are shared by every reader and cannot carry one.
    const ownFile = tag === 'script' && /^\/static\/[a-z-]+\.js$/.test(el.getAttribute('src') || '')
      && !el.textContent.trim();
    if (tag === 'script' && !dataBlock && !ownFile) {
      if (!(el.nonce && el.nonce === nonce))
        bad.push(['script element without this response\'s nonce', snippet(el)]);
    }
    if (tag === 'style' && !(el.nonce && el.nonce === nonce))
      bad.push(['style element', snippet(el)]);
    if (tag === 'meta' && el.hasAttribute('http-equiv')) bad.push(['meta http-equiv', snippet(el)]);
    // The app's own links in <head>: stylesheets, feeds (the site's and an archive's) and
    // the canonical URL (absolute, on the configured site; never fetched by a browser).
    const href = el.getAttribute('href') || '';
    const ownLink = /^\/(static\/|feed\.atom$|(category|tag|author)\/[^/]+\/feed\.atom$)/.test(href)
      || (el.rel === 'canonical'
          && /^https?:\/\/[^/]+\/(articles\/|category\/|tag\/|author\/|\?|$)/.test(href));
    if (tag === 'link' && !(ownLink && el.parentElement === document.head))
      bad.push(['foreign link element', snippet(el)]);
    if (tag === 'form') {
      const action = el.getAttribute('action') || '';
      if (action.startsWith('//') || /^[a-z][a-z0-9+.-]*:/i.test(action))
        bad.push(['foreign form action', snippet(el)]);
    }
    if (ACTIVE.has(tag)) bad.push(['active element <' + tag + '>', snippet(el)]);
  }
  return bad;
}"""


@dataclass
class Finding:
    page: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.page}] {self.kind}: {self.detail[:300]}"


@dataclass
class Snapshot:
    """A response captured through the test client (a POST's re-rendered form, an old feed),
    served to the browser as it was."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Probe:
    """Open pages in one browser context and collect findings."""

    context: object
    base_url: str
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    blocked_navigations: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    pages_opened: int = 0
    elements: int = 0
    hovered: int = 0
    label: str = ""
    current: str = ""
    nonce: str = ""
    allow_navigation: bool = False

    def __post_init__(self) -> None:
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.context.on("page", self._popup)
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._add("page error", str(error)))
        self.page.on("response", self._response)

    # -- listeners ------------------------------------------------------------------------

    def _add(self, kind: str, detail: str) -> None:
        self.findings.append(Finding(self.label, kind, detail))

    def _dialog(self, dialog) -> None:
        self._add(f"{dialog.type} dialog", dialog.message)
        dialog.dismiss()

    def _console(self, message) -> None:
        text = message.text
        if message.type in {"debug", "verbose"} and "xss" not in text.lower():
            return
        if BENIGN_CONSOLE.match(text):
            return
        self._add(f"console.{message.type}", text)

    def _popup(self, popup) -> None:
        if popup is not self.page:
            self._add("popup window", popup.url)
            popup.close()

    def _response(self, response) -> None:
        if response.request.is_navigation_request() and response.frame == self.page.main_frame:
            policy = response.headers.get("content-security-policy", "")
            match = re.search(r"'nonce-([^']+)'", policy)
            self.nonce = match.group(1) if match else ""

    def _route(self, route, request) -> None:
        url = request.url
        parts = urlsplit(url)
        if parts.hostname not in LOOPBACK:
            self.external_requests.append(url)
            host = parts.hostname or ""
            # A click on a link an owner may legitimately write (Markdown [x](//host/)) is a
            # navigation, not code running; anything else reaching a payload host is.
            clicked = request.is_navigation_request() and request.frame.parent_frame is None
            if (host.endswith(".invalid") or "xss" in host) and not clicked:
                self._add(f"request to payload host ({request.resource_type})", url)
            route.abort("blockedbyclient")
            return
        if request.is_navigation_request() and request.frame.parent_frame is None \
                and url.split("#")[0] != self.current.split("#")[0] and not self.allow_navigation:
            # Clicking links and buttons must not take the probe away from the page.
            self.blocked_navigations.append(url)
            route.fulfill(status=204, body="")
            return
        if parts.path.startswith(SNAPSHOT_PREFIX):
            snap = self.snapshots[parts.path]
            route.fulfill(status=snap.status, headers=snap.headers, body=snap.body)
            return
        route.continue_()

    # -- driving --------------------------------------------------------------------------

    def visit(self, path: str, label: str, hover: int = 0) -> None:
        """Open *path*, move the real mouse over *hover* elements of its content, fire every
        event at, focus and click every element, then check what is left in the DOM."""
        page = self.page
        self.label = label
        self.current = self.base_url + path
        page.goto(self.current, wait_until="load")
        self.pages_opened += 1
        if hover:
            self._hover_sample(hover)
        self.elements += page.evaluate(WALK_JS, [EVENTS, CONTENT, REAL_FOCUS_LIMIT])
        page.wait_for_timeout(25)  # timers and animations a payload would rely on
        for frame in page.frames:
            try:
                problems = frame.evaluate(DOM_CHECK_JS, self.nonce)
            except Exception as exc:  # a frame that navigated away meanwhile
                problems = [["frame not inspectable", f"{frame.url}: {exc}"]]
            for kind, detail in problems:
                self._add(kind, detail)


    def _hover_sample(self, count: int) -> None:
        """Move the real mouse over *count* content elements spread over the page (trusted
        input costs a rendered frame each, so the full hover is done with events)."""
        page = self.page
        targets = sorted(page.evaluate(TARGETS_JS), key=lambda p: p[1])
        step = max(1, len(targets) // count)
        for x, y in targets[::step][:count]:
            top = max(0.0, y - 200)
            page.evaluate("(y) => window.scrollTo(0, y)", top)
            page.mouse.move(x, y - page.evaluate("() => window.scrollY"))
            self.hovered += 1
        page.mouse.move(0, 0)

    def text_of(self, selector: str) -> list[str]:
        return self.page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")


def chromium_available() -> str | None:
    """Return why the browser tests cannot run here, or None when they can."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"playwright is not importable: {exc}"
    return None
