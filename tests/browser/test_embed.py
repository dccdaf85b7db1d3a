"""The embed widget in Chromium on a static page of another site (another port), the way
a reader meets it: with and without a strict Content Security Policy on the host page.

One reader posts (first a refused post: the text stays, focus and the message go to the
field), sees their held comment with the notice (and again after a reload, through the
preview token kept in localStorage), while a second browser does not; once approved,
count.js counts it and a reply opens and lands in place. Every request the pages make
goes to the host page or the comment server, and the policy reports no violation. The
host's own CSS stays out, a long thread's pages turn in place, an article of the blog can
be embedded too, and the XSS corpus (tests/security/xss_vectors.txt) in every reader
field of approved comments runs nothing in the widget.

SQLite only: this is about what the browser does, not the database engine.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from blogapp.comments.moderation import moderate
from blogapp.extensions import db
from blogapp.models import Article, Comment
from tests import figures
from tests.factories import make_article
from tests.mail_helpers import SmtpServer
from tests.security.conftest import LiveServer, dispose, sqlite_app

THREAD = "[data-blogapp-thread]"
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""
ACTIVE = f"() => document.querySelector('{THREAD}').shadowRoot.activeElement?.name || null"
FALLBACK = "Comments, for readers without JavaScript."
HOSTILE_CSS = ("<style>form, button, ol, li, .comment, .comment-form { display: none !important; }"
               " textarea, input { background: rgb(255, 0, 0) !important; }</style>")


class HostSite:
    """Another site's static pages, on a port of their own, optionally under a strict CSP
    naming the comment server (the lines the README tells a host to add)."""

    def __init__(self) -> None:
        site = self
        self.comments = ""  # the comment server's origin, set once it listens

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                """No access log in the test output."""

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = urlsplit(self.path).path
                if not path.startswith("/posts/"):
                    self.send_error(404)
                    return
                body = site.page(path).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if path.startswith("/posts/strict"):
                    self.send_header("Content-Security-Policy", site.policy())
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def policy(self) -> str:
        c = self.comments
        return (f"default-src 'none'; script-src {c}; connect-src {c}; style-src {c}; "
                f"img-src {c}; base-uri 'none'; form-action 'none'")

    def page(self, path: str) -> str:
        c = self.comments
        # Without a policy the host's own styles try to hide and recolour everything: the
        # Shadow DOM keeps them out (the strict pages could not have a <style> anyway).
        hostile = "" if path.startswith("/posts/strict") else HOSTILE_CSS
        article = path.removeprefix("/posts/article-").rstrip("/")
        target = f'data-article="{article}"' if path.startswith("/posts/article-") else ""
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hello from a static site</title>
<link rel="canonical" href="{self.origin}{path}">{hostile}</head>
<body><h1>Hello</h1>
<p><a data-blogapp-count href="{path}#comments">Comments</a>
<span data-blogapp-count data-url="{self.origin}/posts/quiet/" id="quiet"></span></p>
<div id="comments" data-blogapp-thread data-title="Hello" {target}><p>{FALLBACK}</p></div>
<script src="{c}/embed.js" defer></script>
<script src="{c}/embed/count.js" defer></script>
</body></html>"""

    def __enter__(self) -> HostSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    with HostSite() as host:
        app = sqlite_app(tmp_path_factory.mktemp("embed-browser"), EMBED_ORIGINS=host.origin)
        with LiveServer(app) as server:
            # Absolute links (avatars, permalinks) name the comment server, as in production.
            app.config["SITE_URL"] = server.url
            host.comments = server.url
            yield app, host, server.url
        dispose(app)


class Reader:
    """A browser context whose requests, CSP violations and console errors are recorded."""

    def __init__(self, browser, **options) -> None:
        self.context = browser.new_context(**options)
        self.context.add_init_script(WATCH_CSP)
        self.requests: list[str] = []
        self.console: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.thread = self.page.locator(THREAD)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.thread.locator("form.comment-form").wait_for()

    def post(self) -> None:
        self.thread.locator("button.submit").click()

    def violations(self) -> list[str]:
        found = self.page.evaluate("() => window.__csp")
        # "Failed to load resource" is Chromium's line for the refused post's 4xx.
        return found + [line for line in self.console if "Content Security Policy" in line
                        or line.startswith("pageerror")
                        or (line.startswith("error") and "Failed to load resource" not in line)]

    def hosts(self) -> set[str]:
        return {urlsplit(url).netloc for url in self.requests}

    def close(self) -> None:
        self.context.close()


@pytest.mark.slow
@pytest.mark.parametrize("page", ["open", "strict-csp"])
def test_a_reader_comments_through_the_widget_on_another_site(sites, browser, page):
    app, host, comments = sites
    path = f"/posts/{page}/"
    canonical = host.origin + path
    allowed = {urlsplit(host.origin).netloc, urlsplit(comments).netloc}
    name, address = f"Ann {page.title()}", f"ann-{page}@example.org"  # a new author per run
    ann = Reader(browser)
    ann.open(f"{canonical}?utm_source=feed#top")
    thread = ann.thread
    assert not ann.page.get_by_text(FALLBACK).is_visible()  # the Shadow DOM replaces it
    assert thread.locator("#comment").is_visible()  # whatever the host's CSS says
    assert thread.locator("#comment").evaluate("e => getComputedStyle(e).backgroundColor") \
        == "rgb(255, 255, 255)"
    assert thread.locator("#reply-title").inner_text() == "Leave a Reply"

    # A refused post: the message at the field, focus there, the text kept.
    thread.locator("#comment").fill("Static sites deserve comments too.")
    thread.locator("#author").fill(name)
    thread.locator("#wp-comment-cookies-consent").check()
    ann.post()
    error = thread.locator("#email-error")
    error.wait_for()
    assert error.inner_text() == "Please enter your email address."
    assert ann.page.evaluate(ACTIVE) == "email"
    email = thread.locator("#email")
    assert email.get_attribute("aria-invalid") == "true"
    assert "email-error" in email.get_attribute("aria-describedby").split()
    assert thread.locator("#comment").input_value() == "Static sites deserve comments too."
    assert "email" in thread.locator("[role=alert]").inner_text().lower()

    # Posted: a first comment is held, and its author sees it with the notice.
    email.fill(address)
    ann.post()
    held = thread.locator(".comment-held")
    held.wait_for()
    assert "Your comment is awaiting moderation." in held.inner_text()
    assert "Static sites deserve comments too." in held.inner_text()
    assert email.get_attribute("aria-invalid") is None
    assert thread.locator(".field-error").count() == 0
    assert thread.locator("[role=status]").inner_text() == "Your comment is awaiting moderation."
    assert thread.locator("#comment").input_value() == ""
    with app.app_context():
        stored = db.session.execute(select(Comment.id, Comment.status, Article.url)
                                    .join(Article, Article.id == Comment.article_id)
                                    .where(Comment.author == name)
                                    .order_by(Comment.id.desc())).first()
    assert stored.status == "pending" and stored.url == canonical  # keyed by the canonical link
    first = stored.id

    # Still there after a reload (the preview token), with the details kept by consent.
    ann.open(canonical)
    thread.locator(f"#comment-{first}.comment-held").wait_for()
    assert thread.locator("#author").input_value() == name
    assert thread.locator("#wp-comment-cookies-consent").is_checked()

    # Another browser sees neither the held comment nor Ann's details.
    bo = Reader(browser)
    bo.open(canonical)
    bo.page.locator("a[data-blogapp-count]").filter(has_text="No comments").wait_for()
    assert bo.thread.locator(".comment").count() == 0
    assert "awaiting moderation" not in bo.thread.inner_text()
    assert bo.thread.locator("#author").input_value() == ""

    # Approved: counted, and a reply opens under it and lands in place, no navigation.
    with app.app_context():
        moderate([first], "approve", None)
    ann.open(canonical)
    approved = thread.locator(f"#comment-{first}")
    approved.wait_for()
    assert "comment-held" not in approved.get_attribute("class")
    ann.page.locator("a[data-blogapp-count]").filter(has_text="1 Comment").wait_for()
    approved.locator(".comment-reply-link").click()
    assert thread.locator("#reply-title").inner_text() == f"Reply to {name}"
    assert approved.locator("form.comment-form").count() == 1  # the form moved in place
    assert ann.page.evaluate(ACTIVE) == "comment"
    thread.locator("#comment").fill("And a reply, in place.")
    address = ann.page.url
    ann.post()
    reply = approved.locator("ol.children > li.comment")
    reply.wait_for()
    assert "And a reply, in place." in reply.inner_text()
    assert "comment-held" not in reply.get_attribute("class")  # a known author now
    assert thread.locator("[role=status]").inner_text() == "Your comment was posted."
    assert thread.locator(".comments-title").inner_text() == "2 Responses"
    assert ann.page.url == address
    assert thread.locator("#reply-title").inner_text() == "Leave a Reply"  # form back home
    ann.open(canonical)
    ann.page.locator("a[data-blogapp-count]").filter(has_text="2 Comments").wait_for()
    assert ann.page.locator("#quiet").inner_text() == "No comments"
    counted = [url for url in ann.requests if "/api/v1/counts" in url]
    assert len(counted) == 4  # one request a page load, for both elements
    assert "%2Fposts%2Fquiet%2F" in counted[-1] and "%2Fposts%2F" + page in counted[-1]

    # Nothing but the two sites was asked for anything; the policy saw nothing to block.
    for reader in (ann, bo):
        assert reader.hosts() <= allowed, reader.requests
        assert reader.violations() == []
    assert any("/api/v1/comments" in url for url in ann.requests)
    figures.record("Embed", f"widget in Chromium ({page}): {len(ann.requests)} requests, "
                            f"hosts {sorted(ann.hosts())}, 0 CSP violations")
    ann.close()
    bo.close()

    # The no-JS fragment of the same thread shows both comments.
    html = app.test_client().get("/embed/thread", query_string={"url": canonical}).text
    assert "Static sites deserve comments too." in html and "And a reply, in place." in html


# The contrast (WCAG 2) of an element's text against what is really behind it: the first
# opaque background up through the widget's shadow host into the host page (white when
# none is set, as a browser draws it).
CONTRAST_JS = r"""(e) => {
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  let node = e, bg = null;
  while (node && !bg) {
    if (node.nodeType === 1) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) bg = c.slice(0, 3);
    }
    node = node.parentNode || node.host;
  }
  bg = bg || [255, 255, 255];
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [a, b] = [lum(rgb(getComputedStyle(e).color).slice(0, 3)), lum(bg)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.slow
def test_the_widget_follows_the_readers_colour_scheme(sites, browser):
    """Dark when the reader's system is dark, and readable on a host page that has no
    dark theme of its own (its page stays white behind the widget)."""
    _app, host, _comments = sites
    colours = {}
    for scheme in ("light", "dark"):
        reader = Reader(browser, color_scheme=scheme)
        reader.open(f"{host.origin}/posts/strict-colours/")
        colours[scheme] = reader.thread.locator("#comment").evaluate(
            "e => getComputedStyle(e).backgroundColor")
        for text in ("#reply-title", ".comment-notes", "label[for=author]", "button.submit"):
            contrast = reader.thread.locator(text).first.evaluate(CONTRAST_JS)
            assert contrast >= 4.5, (scheme, text, round(contrast, 2))
        assert reader.violations() == []
        reader.close()
    assert colours["light"] == "rgb(255, 255, 255)"
    assert colours["dark"] != colours["light"]


def seed_page(app, url: str, count: int) -> None:
    """Post *count* approved comments to the thread of *url* through the API."""
    client = app.test_client()
    for n in range(count):
        form = client.get("/api/v1/threads", query_string={"url": url}).get_json()["form"]
        body = {"thread": {"url": url, "title": "Paged"}, "comment": f"Seeded comment {n}",
                "author": "Seeder", "email": "seeder@example.org", "url": "",
                "comment_parent": 0, "form_token": form["form_token"]}
        posted = client.post("/api/v1/comments", json=body).get_json()
        if posted["status"] != "approved":
            with app.app_context():
                moderate([posted["comment"]["id"]], "approve", None)


@pytest.mark.slow
def test_pages_of_a_long_thread_turn_in_place(sites, browser):
    app, host, _comments = sites
    url = f"{host.origin}/posts/strict-paged/"
    seed_page(app, url, 5)
    app.config["DISCUSSION_COMMENTS_PER_PAGE"] = 2
    try:
        reader = Reader(browser)
        reader.open(url)
        thread = reader.thread
        nav = thread.locator(".comment-navigation")
        assert "Comment page 3 of 3" in nav.inner_text()  # opens on the newest, as the blog
        assert "Seeded comment 4" in thread.locator(".comment-list").inner_text()
        nav.get_by_role("button", name="Older comments").click()
        nav.get_by_text("Comment page 2 of 3").wait_for()
        listed = thread.locator(".comment-list").inner_text()
        assert "Seeded comment 2" in listed and "Seeded comment 3" in listed
        assert "Seeded comment 4" not in listed
        assert nav.get_by_role("button", name="Newer comments").is_visible()
        assert thread.locator(".comments-title").inner_text() == "5 Responses"
        assert reader.violations() == []
        reader.close()
    finally:
        app.config.pop("DISCUSSION_COMMENTS_PER_PAGE")


@pytest.mark.slow
def test_the_widget_shows_and_takes_comments_for_one_of_the_blogs_articles(sites, browser):
    app, host, _comments = sites
    with app.app_context():
        slug = make_article("Night buses", body="Body.").slug
    reader = Reader(browser)
    reader.open(f"{host.origin}/posts/article-{slug}/")
    thread = reader.thread
    thread.locator("#comment").fill("Read it on another site.")
    thread.locator("#author").fill("Cy Reader")
    thread.locator("#email").fill("cy@example.org")
    reader.post()
    thread.locator(".comment-held").wait_for()
    with app.app_context():
        stored = db.session.execute(select(Comment.status, Article.slug)
                                    .join(Article, Article.id == Comment.article_id)
                                    .where(Comment.author == "Cy Reader")).one()
    assert tuple(stored) == ("pending", slug)
    assert reader.violations() == []
    reader.close()


def test_the_widget_offers_the_notify_me_boxes_while_the_blog_sends_mail(sites, browser):
    app, host, _comments = sites
    smtp = SmtpServer().start()
    app.config.update(smtp.config())
    try:
        reader = Reader(browser)
        reader.open(f"{host.origin}/posts/notify/")
        thread = reader.thread
        boxes = thread.locator("input[name=subscribe_comments]")
        assert [boxes.nth(i).get_attribute("value") for i in range(2)] == ["replies", "all"]
        assert thread.get_by_label("Notify me of every new comment on this article by email") \
            .count() == 1
        thread.locator("#comment").fill("Tell me when someone answers.")
        thread.locator("#author").fill("Dee Reader")
        thread.get_by_label("Notify me of replies to my comment by email").check()
        reader.post()  # no email: both fields are told, focus goes to the email
        thread.locator("#subscribe_comments-error").wait_for()
        assert thread.locator("#subscribe_comments-error").inner_text() == \
            "Enter your email address to be notified by email."
        assert thread.locator("#subscribe_comments").get_attribute("aria-invalid") == "true"
        assert reader.page.evaluate(ACTIVE) == "email"
        assert "Notify me by email" in thread.locator("[role=alert]").inner_text()
        assert thread.locator("#subscribe_comments").is_checked()  # the choice is kept

        thread.locator("#email").fill("dee@example.org")
        reader.post()
        thread.locator(".comment-held").wait_for()
        assert "We will mail you about replies once you confirm the link" in \
            thread.locator("[role=status]").inner_text()
        assert thread.locator(".field-error").count() == 0
        assert not thread.locator("#subscribe_comments").is_checked()
        [(to, message)] = smtp.mail
        assert to == ["dee@example.org"] and "confirm" in message["Subject"]
        assert reader.violations() == []
        reader.close()
    finally:
        app.config["MAIL_SERVER"] = ""
        smtp.stop()
    reader = Reader(browser)  # mail off again: no boxes to promise anything
    reader.open(f"{host.origin}/posts/notify/")
    assert reader.thread.locator("input[name=subscribe_comments]").count() == 0
    reader.close()


# Everything a payload could have left live in the widget's Shadow DOM, after every
# element got the events readers' pointers and keyboards send.
SHADOW_PROBE_JS = r"""(selector) => {
  const root = document.querySelector(selector).shadowRoot;
  root.addEventListener('click', e => { if (e.target.closest && e.target.closest('a[href]'))
    e.preventDefault(); }, true);
  const all = Array.from(root.querySelectorAll('*'));
  for (const el of all) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'focusin', 'keydown', 'input',
                        'animationstart', 'error', 'load']) {
      try { el.dispatchEvent(new Event(type, {bubbles: true, cancelable: true})); } catch (e) {}
    }
    try { if (el.focus) el.focus(); } catch (e) {}
    try { if (el.localName === 'a') el.click(); } catch (e) {}
  }
  const bad = [];
  const squash = v => v.replace(/[\u0000-\u0020]/g, '').toLowerCase();
  for (const el of root.querySelectorAll('*')) {
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase(), value = squash(a.value);
      const found = name + ': ' + el.outerHTML.slice(0, 200);
      if (name.startsWith('on') || name === 'srcdoc' || name === 'style') bad.push(found);
      if (/^(href|src|action|formaction|xlink:href|data)$/.test(name)
          && /^(javascript|vbscript|data):/.test(value)) bad.push(found);
    }
    if (/^(script|iframe|object|embed|base|style|meta|frame|form)$/.test(el.localName)
        && !el.matches('form.comment-form')) bad.push('element: ' + el.outerHTML.slice(0, 200));
  }
  return [all.length, bad];
}"""


def approve_all(app, ids: list[int]) -> None:
    """Take every comment out of spam, then approve every held one, as a moderator would."""
    for action, status in (("not_spam", "spam"), ("approve", "pending")):
        with app.app_context():
            found = db.session.scalars(select(Comment.id).where(
                Comment.id.in_(ids), Comment.status == status)).all()
            for start in range(0, len(found), 100):  # a bulk action takes a page at most
                moderate(found[start:start + 100], action, None)


@pytest.mark.slow
def test_hostile_comments_run_nothing_in_the_widget(sites, browser):
    from tests.security.test_browser_xss import VECTORS

    app, host, comments = sites
    url = f"{host.origin}/posts/strict-hostile/"
    client = app.test_client()
    ids = []
    for vector in VECTORS:
        form = client.get("/api/v1/threads", query_string={"url": url}).get_json()["form"]
        body = {"thread": {"url": url, "title": vector[:200]}, "comment": vector,
                "author": vector[:245], "email": "x@example.org", "url": vector[:200],
                "comment_parent": 0, "form_token": form["form_token"]}
        posted = client.post("/api/v1/comments", json=body)
        if posted.status_code == 400:  # the website refused: the rest still goes in
            posted = client.post("/api/v1/comments", json={**body, "url": ""})
        assert posted.status_code == 201, posted.get_json()
        ids.append(posted.get_json()["comment"]["id"])
    approve_all(app, ids)
    app.config["DISCUSSION_COMMENTS_PER_PAGE"] = len(VECTORS)
    try:
        reader = Reader(browser)
        dialogs: list[str] = []
        reader.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        reader.open(url)
        thread = reader.thread
        thread.locator(f"#comment-{ids[-1]}").wait_for()
        assert thread.locator("li.comment").count() == len(VECTORS)
        elements, bad = reader.page.evaluate(SHADOW_PROBE_JS, THREAD)
        reader.page.wait_for_timeout(500)  # let anything a handler scheduled happen
        assert bad == [] and dialogs == []
        assert reader.hosts() <= {urlsplit(host.origin).netloc, urlsplit(comments).netloc}
        assert [v for v in reader.violations() if "xss" in v.lower() or "inline" in v] == []
        assert not [line for line in reader.console if "xss" in line.lower()]
        figures.record("Embed", f"XSS corpus in the widget: {len(VECTORS)} hostile comments, "
                                f"{elements} elements exercised, 0 findings")
        reader.close()
    finally:
        app.config.pop("DISCUSSION_COMMENTS_PER_PAGE")
