"""Stored and reflected XSS, proven in a real browser.

Every vector of xss_vectors.txt goes through every input a reader or an owner controls,
by the real forms: a reader's comment text, name, email, website and user agent, a
reader's reply, a moderator's edit and reply, an article's title, Markdown body,
excerpt and tags. Everything is approved, then headless Chromium opens the front page, every
article, the feed, the staff pages and the forms re-rendered after a refusal, moves the
mouse over the content, and fires every event at, focuses and clicks every element. Any
dialog, console output, page error, request to a payload host, event-handler attribute,
script URL or active element in the live DOM fails the test.

SQLite only: the browser sees rendered pages, which do not depend on the engine.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask import Flask
from sqlalchemy import select

from blogapp.comments.forms import CommentForm
from blogapp.comments.policy import CommentStatus
from blogapp.comments.services import set_visible_status
from blogapp.extensions import db
from blogapp.models import Article, Comment, User
from blogapp.sanitize import render_article
from tests.conftest import csrf_from
from tests.security.browser import Probe
from tests.security.conftest import dispose, form_token_from, sqlite_app

VECTOR_FILE = Path(__file__).with_name("xss_vectors.txt")
OWNER_EMAIL, OWNER_PASSWORD = "owner@ok.example", "correct horse battery staple"
# The readers' top-level comments carry every vector in every reader field; the queue is
# opened filtered on their address (replies and staff comments repeat the same contexts).
READER_IP, REPLIER_IP = "198.51.100.7", "198.51.100.8"
BODY_BATCH = 40  # vectors per article body (and comments per role on its page)
REFLECT_BATCH = 60  # vectors per re-rendered form
HOVER_SAMPLE = 8  # real mouse moves per content page (every element gets hover events)
MAX_TITLE, MAX_EXCERPT = 200, 2000


def load_vectors() -> list[str]:
    lines = VECTOR_FILE.read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line and not line.startswith("#|")]


VECTORS = load_vectors()
MARKER_RE = re.compile(r"al.{0,12}ert|confirm|prompt|console\.log|xss\.invalid|XSS|88,83,83",
                       re.IGNORECASE)


def observable(vector: str) -> bool:
    """Tell whether the vector calls a marker, in any of the encodings it hides behind."""
    forms = {vector, html.unescape(vector), unquote(vector), html.unescape(unquote(vector)),
             vector[::-1]}
    forms |= {re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), f) for f in forms}
    forms.add(re.sub(r"\\([0-9a-fA-F]{1,6}) ?", lambda m: chr(int(m.group(1), 16)), vector))
    for encoded in re.findall(r"(?:base64,|atob\(')([A-Za-z0-9+/=]+)", vector):
        forms.add(base64.b64decode(encoded + "==").decode("utf-8", "replace"))
    return any(MARKER_RE.search(form) for form in forms)


def test_corpus_is_large_distinct_and_observable():
    assert len(VECTORS) >= 300
    assert len(set(VECTORS)) == len(VECTORS)
    silent = [v for v in VECTORS if not observable(v)]
    assert not silent, f"vectors without an observable marker: {silent}"
    # A bare http(s)://xss... address would be linkified into a harmless link that the probe
    # clicks, which would look like a payload request: payload hosts are protocol-relative.
    assert not [v for v in VECTORS if re.search(r"(https?:|www\.)//?xss", v, re.I)]


# -- Seeding through the real forms -------------------------------------------------------


def pack(vectors: list[str], limit: int, sep: str) -> list[str]:
    """Join vectors into chunks of at most *limit* characters (long ones are cut)."""
    chunks, current = [], ""
    for vector in vectors:
        vector = vector[:limit]
        candidate = f"{current}{sep}{vector}" if current else vector
        if len(candidate) > limit:
            chunks.append(current)
            candidate = vector
        current = candidate
    return [*chunks, current] if current else chunks


def body_batches(vectors: list[str]) -> list[list[str]]:
    """Group vectors into Markdown bodies; a vector that swallows what follows it (an
    unclosed raw-text HTML block, a fence) ends its batch, so no vector goes unrendered."""
    batches, current = [], []
    for vector in vectors:
        current.append(vector)
        rendered = render_article("\n\n".join(current) + "\n\nsentinel-after-batch")
        if "sentinel-after-batch" not in rendered or len(current) >= BODY_BATCH:
            batches.append(current)
            current = []
    return [*batches, current] if current else batches


@dataclass
class Site:
    app: Flask
    base_url: str = ""
    scratch: str = ""
    content_slugs: list[str] = field(default_factory=list)
    article_ids: dict[str, int] = field(default_factory=dict)
    snapshots: dict = field(default_factory=dict)
    reflected: list[tuple[str, str]] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    detail_ids: list[int] = field(default_factory=list)
    placed: dict[str, int] = field(default_factory=dict)

    def count(self, sink: str, n: int = 1) -> None:
        self.placed[sink] = self.placed.get(sink, 0) + n


class Seeder:
    """Post content the way a browser does: GET the form, then POST it with its tokens."""

    BENIGN = {"comment": "A benign comment.", "author": "Reader", "email": "reader@ok.example",
              "url": ""}

    def __init__(self, site: Site) -> None:
        self.site = site
        self.app = site.app
        self.reader = self.app.test_client()
        self.reader.environ_base["REMOTE_ADDR"] = READER_IP
        self.replier = self.app.test_client()
        self.replier.environ_base["REMOTE_ADDR"] = REPLIER_IP
        self.scratch_client = self.app.test_client()
        self.owner = self.app.test_client()
        self.tokens: dict[str, str] = {}
        self.accepted: dict[str, dict[str, str]] = {}
        token = csrf_from(self.owner.get("/login").text)
        response = self.owner.post("/login", data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD,
                                                   "csrf_token": token})
        assert response.status_code == 302, "the owner could not log in"
        self.owner_csrf = csrf_from(self.owner.get("/admin/articles/new").text)

    # Articles -------------------------------------------------------------------------------

    def publish(self, title: str, body: str, excerpt: str) -> str:
        response = self.owner.post("/admin/articles/new", data={
            "title": title, "slug": "", "body": body, "excerpt": excerpt, "comments_open": "y",
            # The title's vectors as tags too: they reach the page, its OpenGraph tags and
            # its JSON-LD block, and the feed's categories.
            "tags": title,
            "action": "publish", "csrf_token": self.owner_csrf})
        assert response.status_code == 302, response.text[:2000]
        article_id = int(response.headers["Location"].split("/")[-2])
        with self.app.app_context():
            slug = db.session.get(Article, article_id).slug
        self.site.article_ids[slug] = article_id
        return slug

    # Comments -------------------------------------------------------------------------------

    def _form(self, slug: str, client) -> str:
        key = f"{id(client)}:{slug}"
        if key not in self.tokens:
            self.tokens[key] = form_token_from(client.get(f"/articles/{slug}").text)
        return self.tokens[key]

    def accepted_fields(self, vector: str) -> dict[str, str]:
        """Return the comment's fields with *vector* in each one the form accepts it in.

        The app's own form decides, without HTTP (a refusal would re-render a page full of
        comments); refused fields get benign values, and the re-rendered form pages below
        cover the refused vectors.
        """
        if vector not in self.accepted:
            fields = {"comment": vector, "author": vector, "email": vector, "url": vector}
            with self.app.test_request_context(method="POST", data=fields):
                form = CommentForm(meta={"csrf": False})
                form.validate()
                refused = set(form.errors) & set(fields)
            self.accepted[vector] = {**fields, **{k: self.BENIGN[k] for k in refused}}
        return self.accepted[vector]

    def comment(self, slug: str, fields: dict[str, str], parent: int | None = None,
                user_agent: str = "", first_reader: bool = True) -> int:
        client = self.reader if first_reader and not parent else self.replier
        form_token = self._form(slug, client)
        response = client.post(
            f"/articles/{slug}/comments",
            data={**fields, "comment_parent": str(parent or 0), "form_token": form_token},
            headers={"User-Agent": user_agent or "Mozilla/5.0"})
        assert response.status_code == 303, (response.status_code, fields)
        return int(response.headers["Location"].rsplit("#comment-", 1)[1])

    def vector_comment(self, slug: str, vector: str, parent: int | None = None) -> int:
        """Post *vector* in every field of one comment the form accepts it in."""
        fields = self.accepted_fields(vector)
        for name, value in fields.items():
            if value == vector:
                self.site.count(f"reply {name}" if parent else f"comment {name}")
        return self.comment(slug, fields, parent, user_agent=vector[:255].replace("\n", " "))

    def staff_edit(self, comment_id: int, text: str) -> None:
        response = self.owner.post(f"/admin/comments/{comment_id}/edit",
                                   data={"text": text, "csrf_token": self.owner_csrf})
        assert response.status_code in {302, 303}, response.status_code
        self.site.count("moderator edit")

    def staff_reply(self, comment_id: int, text: str) -> None:
        response = self.owner.post(f"/admin/comments/{comment_id}/reply",
                                   data={"text": text, "csrf_token": self.owner_csrf})
        assert response.status_code in {302, 303}, response.status_code
        self.site.count("moderator reply")

    def approve_all(self) -> None:
        scratch_id = self.site.article_ids[self.site.scratch]
        with self.app.app_context():
            for comment in db.session.scalars(
                    select(Comment).where(Comment.status != CommentStatus.APPROVED.value,
                                          Comment.article_id != scratch_id)):
                set_visible_status(comment, CommentStatus.APPROVED.value)
            db.session.commit()

    # Refused forms, re-rendered with what was typed ---------------------------------------

    def reflect(self, probe_snapshot, chunk: list[str], title_chunk: str) -> None:
        line, text = " ".join(chunk), "\n".join(chunk)
        form_token = self._form(self.site.scratch, self.scratch_client)
        response = self.scratch_client.post(f"/articles/{self.site.scratch}/comments", data={
            "comment": text, "author": line, "email": line, "url": line,
            "comment_parent": chunk[0], "form_token": form_token})
        assert response.status_code == 400
        self.site.reflected.append((probe_snapshot("comment-refused", response), "comment form"))
        response = self.owner.post("/admin/articles/new", data={
            "title": line, "slug": line, "body": "\n\n".join(chunk), "excerpt": text,
            "publish_at": chunk[0], "action": "schedule", "csrf_token": self.owner_csrf})
        assert response.status_code == 422
        self.site.reflected.append((probe_snapshot("editor-refused", response), "editor"))
        response = self.owner.post("/admin/articles/new", data={
            "title": title_chunk, "slug": "", "body": "\n\n".join(chunk), "excerpt": "",
            "action": "preview", "csrf_token": self.owner_csrf})
        assert response.status_code == 200
        self.site.reflected.append((probe_snapshot("editor-preview", response), "preview"))
        anonymous = self.app.test_client()
        token = csrf_from(anonymous.get("/login").text)
        response = anonymous.post("/login", data={"email": line, "password": "x",
                                                  "csrf_token": token})
        assert response.status_code in {400, 401}
        self.site.reflected.append((probe_snapshot("login-refused", response), "login form"))
        self.site.count("reflected form", len(chunk))


def seed(site: Site, snapshot) -> None:
    """Publish the articles, post the comments, approve them, capture the re-renders."""
    app = site.app
    seeder = Seeder(site)
    n = len(VECTORS)
    batches = body_batches(VECTORS)
    titles = pack(VECTORS, MAX_TITLE, " ")
    excerpts = pack(VECTORS, MAX_EXCERPT, "\n")
    articles = max(len(batches), len(titles))
    site.scratch = seeder.publish("Field check", "Comments posted here are never shown.", "")
    for k in range(articles):
        body = "\n\n".join(batches[k]) if k < len(batches) else "A plain body."
        title = titles[k] if k < len(titles) else f"Plain title {k}"
        excerpt = excerpts[k] if k < len(excerpts) else ""
        slug = seeder.publish(title, body, excerpt)
        if k < len(batches):
            site.content_slugs.append(slug)
            site.count("article body", len(batches[k]))
        if (k + 1) % 20 == 0 or k == articles - 1:  # the feed lists the 20 newest
            site.feeds.append(snapshot("feed", seeder.reader.get("/feed.atom")))
    site.count("article title", n)  # packed several to a title, long ones cut at 200
    site.count("article tags", n)  # the title's text, split at commas
    site.count("article excerpt", n)

    has_edit = "moderation.comment_edit" in app.view_functions
    has_reply = "moderation.comment_reply" in app.view_functions
    slug_of = {}
    start = 0
    for slug, batch in zip(site.content_slugs, batches, strict=False):
        for i in range(start, start + len(batch)):
            slug_of[i] = slug
        start += len(batch)
    top = {i: seeder.vector_comment(slug_of[i], VECTORS[i]) for i in range(n)}
    benign = {**Seeder.BENIGN, "comment": "To be edited by a moderator."}
    staff_targets = {i: seeder.comment(slug_of[i], benign, first_reader=False)
                     for i in range(n)} if has_edit or has_reply else {}
    seeder.approve_all()
    for i in range(n):
        seeder.vector_comment(slug_of[i], VECTORS[(i + 1) % n], parent=top[i])
        if has_edit:
            seeder.staff_edit(staff_targets[i], VECTORS[(i + 2) % n])
        if has_reply:
            seeder.staff_reply(staff_targets[i], VECTORS[(i + 3) % n])
    seeder.approve_all()
    site.detail_ids = [top[i] for i in range(0, n, max(1, n // 20))]

    for start in range(0, n, REFLECT_BATCH):
        chunk = VECTORS[start:start + REFLECT_BATCH]
        seeder.reflect(snapshot, chunk, pack(chunk, MAX_TITLE, " ")[0])


# -- Fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = sqlite_app(tmp_path_factory.mktemp("xss"), ARTICLES_PER_PAGE=1000,
                     DISCUSSION_COMMENTS_PER_PAGE=1000, DISCUSSION_MAX_LINKS=0,
                     MODERATION_PER_PAGE=250)
    with app.app_context():
        owner = User(email=OWNER_EMAIL, role="owner", display_name="Owner")
        owner.set_password(OWNER_PASSWORD)
        db.session.add(owner)
        db.session.commit()
    site = Site(app)
    from tests.security.browser import Snapshot

    def snapshot(name, response):
        path = f"/__snapshot__/{len(site.snapshots)}-{name}"
        headers = {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"}
        site.snapshots[path] = Snapshot(response.status_code, headers, response.get_data())
        return path

    seed(site, snapshot)
    yield site
    dispose(app)



@pytest.fixture(scope="module")
def server(site, tmp_path_factory):
    from tests.security.conftest import LiveServer

    with LiveServer(site.app) as live:
        site.base_url = live.url
        yield live


def new_probe(browser, site) -> Probe:
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900},
                                  java_script_enabled=True)
    return Probe(context, site.base_url, snapshots=site.snapshots)


def report(probe: Probe, figures, what: str) -> None:
    figures(f"{what}: vectors {len(VECTORS)}, pages {probe.pages_opened}, elements exercised "
            f"{probe.elements}, hovered {probe.hovered}, executed {len(probe.findings)}, "
            f"navigations held back {len(probe.blocked_navigations)}, "
            f"external requests blocked {len(probe.external_requests)}")
    assert not probe.findings, "payload activity:\n" + "\n".join(map(str, probe.findings[:40]))


# -- The proofs -----------------------------------------------------------------------------


@pytest.mark.slow
def test_public_pages_run_no_payload(site, server, browser, figures):
    probe = new_probe(browser, site)
    probe.visit("/", "front page", hover=HOVER_SAMPLE)
    titles = {}
    with site.app.app_context():
        for slug, article_id in site.article_ids.items():
            titles[slug] = db.session.get(Article, article_id).title
    mangled = []
    for slug in site.article_ids:
        probe.visit(f"/articles/{slug}", f"article {slug[:30]}",
                    hover=HOVER_SAMPLE if slug in site.content_slugs else 0)
        shown = probe.text_of("main h1")
        if shown[:1] != [titles[slug]]:
            mangled.append((titles[slug], shown[:1]))
    for path in site.feeds:
        probe.visit(path, "feed")
    placed = ", ".join(f"{sink} {count}" for sink, count in sorted(site.placed.items()))
    figures(f"placements: {placed}")
    report(probe, figures, "public pages")
    assert not mangled, f"titles not shown as typed: {mangled[:5]}"
    probe.context.close()


@pytest.mark.slow
def test_staff_pages_run_no_payload(site, server, browser, figures):
    probe = new_probe(browser, site)
    login(probe)
    probe.visit("/admin/", "dashboard", hover=HOVER_SAMPLE)
    probe.visit("/admin/articles", "article list", hover=HOVER_SAMPLE)
    for slug in site.content_slugs:
        probe.visit(f"/admin/articles/{site.article_ids[slug]}/edit", f"editor {slug[:30]}")
    rules = {rule.rule for rule in site.app.url_map.iter_rules()}
    if "/admin/comments" in rules:
        path, seen = f"/admin/comments?status=approved&q={READER_IP}", set()
        while path and path not in seen and len(seen) < 40:
            seen.add(path)
            probe.visit(path, f"queue page {len(seen)}", hover=HOVER_SAMPLE)
            older = probe.page.eval_on_selector_all(
                "a[rel=next]", "els => els.map(e => e.getAttribute('href'))")
            path = older[0] if older else None
        for comment_id in site.detail_ids:
            probe.visit(f"/admin/comments/{comment_id}", f"comment {comment_id}")
    if "/admin/audit" in rules:
        probe.visit("/admin/audit", "audit log")
    report(probe, figures, "staff pages")
    probe.context.close()


@pytest.mark.slow
def test_refused_forms_echo_no_payload(site, server, browser, figures):
    probe = new_probe(browser, site)
    for path, label in site.reflected:
        probe.visit(path, label)
    report(probe, figures, "re-rendered forms")
    probe.context.close()


def login(probe: Probe) -> None:
    """Log the probe's context in through the real login form."""
    page = probe.page
    probe.current = probe.base_url + "/login"
    probe.label = "login"
    page.goto(probe.current)
    page.fill("#email", OWNER_EMAIL)
    page.fill("#password", OWNER_PASSWORD)
    probe.allow_navigation = True
    with page.expect_navigation():
        page.click("button[type=submit]")
    probe.allow_navigation = False
    assert "/admin" in page.url, page.url
