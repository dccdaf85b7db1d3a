"""No email, IP address or user agent of a reader (or a moderator) reaches a public
response: a crawler follows every link from the front page, as an anonymous visitor and as
the readers themselves (held comments, saved details), adds the feed and error pages, and
looks for each canary and for the MD5, SHA-1 and SHA-256 of each (Gravatar hashes the
trimmed, lower-cased address) in every body and every header."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import deque
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from blogapp.comments.policy import CommentStatus
from blogapp.comments.services import set_visible_status
from blogapp.extensions import db
from blogapp.models import Comment, User
from tests.conftest import csrf_from
from tests.security.conftest import FAST_DISCUSSION, form_token_from

LINK_RE = re.compile(r'(?:href|src|action)="([^"]*)"')
MAX_PAGES = 400


@pytest.fixture
def app_config():
    return {**FAST_DISCUSSION, "SPAM_CHECK_MODE": "inline", "PROXY_COUNT": 1,
            "DISCUSSION_COMMENTS_PER_PAGE": 2, "PROPAGATE_EXCEPTIONS": False}


class Reader:
    """One reader with their own browser (cookies), address and canaries."""

    def __init__(self, app, name: str, ip: str, consent: bool) -> None:
        token = uuid.uuid4().hex[:12]
        self.name = name
        self.typed_email = f"  Leak-{token}@Canary-{name}.Example "  # as typed: case, spaces
        self.email = self.typed_email.strip().lower()
        self.ip = ip
        self.user_agent = f"CanaryAgent/{uuid.uuid4().hex[:12]}"
        self.consent = consent
        self.client = app.test_client()
        self.headers = {"X-Forwarded-For": ip, "User-Agent": self.user_agent}

    def post(self, slug: str, text: str, parent: int | None = None):
        page = self.client.get(f"/articles/{slug}", headers=self.headers).get_data(as_text=True)
        data = {"comment": text, "author": f"Reader {self.name}", "email": self.typed_email,
                "url": "", "comment_parent": str(parent or 0), "contact_fax": "",
                "form_token": form_token_from(page)}
        if self.consent:
            data["wp-comment-cookies-consent"] = "yes"
        response = self.client.post(f"/articles/{slug}/comments", data=data,
                                    headers=self.headers)
        assert response.status_code == 303, response.get_data(as_text=True)[:1000]
        return int(response.headers["Location"].rsplit("#comment-", 1)[1])

    def canaries(self) -> dict[str, str]:
        return canaries_of(self.name, self.email, self.typed_email, self.ip, self.user_agent)


def canaries_of(name: str, email: str, typed: str, ip: str, user_agent: str) -> dict[str, str]:
    """Every string whose presence would leak this person: the values, the unique part of
    each, and their hashes (hex, as Gravatar and "anonymizing" code write them)."""
    found = {f"{name} email": email, f"{name} email token": email.split("@")[0],
             f"{name} ip": ip, f"{name} user agent": user_agent}
    for label, value in (("email", email), ("typed email", typed), ("ip", ip)):
        for algorithm in ("md5", "sha1", "sha256"):
            found[f"{name} {algorithm}({label})"] = hashlib.new(
                algorithm, value.encode()).hexdigest()
    return found


@dataclass
class Page:
    url: str
    status: int
    mimetype: str
    headers: str
    body: str


def fetch(client, url: str, headers: dict[str, str]) -> Page:
    with client.get(url, headers=headers) as response:
        return Page(url, response.status_code, response.mimetype,
                    "\n".join(f"{k}: {v}" for k, v in response.headers.items()),
                    response.get_data(as_text=True))


def leaks(page: Page, canaries: dict[str, str]) -> list[str]:
    texts = [page.headers.lower(), page.body.lower(), unescape(page.body).lower()]
    return [label for label, needle in canaries.items()
            if any(needle.lower() in text for text in texts)]


def crawl(client, headers: dict[str, str], start: list[str]) -> list[Page]:
    """Follow every same-site link (GET) from *start*."""
    queue, seen, pages = deque(start), set(start), []
    while queue and len(pages) < MAX_PAGES:
        page = fetch(client, queue.popleft(), headers)
        pages.append(page)
        url = page.url
        if page.status in {301, 302, 303, 307, 308}:
            targets = re.findall(r"^Location: (.*)$", page.headers, re.MULTILINE)
        elif page.mimetype in {"text/html", "application/atom+xml"}:
            targets = LINK_RE.findall(page.body)
        else:
            targets = []
        for target in targets:
            parts = urlsplit(urljoin("http://blog.test" + url, unescape(target)))
            if parts.hostname not in {"blog.test", None} or parts.scheme not in {"http", "https"}:
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path not in seen:
                seen.add(path)
                queue.append(path)
    return pages


def test_no_public_response_leaks_an_email_ip_or_hash_of_them(app, staff, figures):
    from tests.factories import make_article

    with app.app_context():
        slugs = [make_article(f"Canary article {n}", "Text.").slug for n in range(2)]
    owner_email = f"owner-{uuid.uuid4().hex[:12]}@canary-owner.example"
    with app.app_context():
        owner = User(email=owner_email, role="owner", display_name="The Owner")
        owner.set_password(staff.PASSWORD)
        db.session.add(owner)
        db.session.commit()
    ann = Reader(app, "ann", "198.51.100.201", consent=True)
    bob = Reader(app, "bob", "2001:db8::c0ff:ee42", consent=False)
    eve = Reader(app, "eve", "203.0.113.199", consent=False)

    first = ann.post(slugs[0], "First, approved: https://ok.example/page")
    more = [ann.post(slugs[0], f"More from Ann, number {n}.") for n in range(4)]
    with app.app_context():
        for comment_id in (first, *more):
            set_visible_status(db.session.get(Comment, comment_id), CommentStatus.APPROVED.value)
        db.session.commit()
    reply = bob.post(slugs[0], "Bob replies, and waits for moderation.", parent=first)
    bob.post(slugs[1], "Bob again, held.")
    robot = eve.post(slugs[1], "Eve is a robot.")
    with app.app_context():  # spam, as Akismet would have it
        set_visible_status(db.session.get(Comment, robot), CommentStatus.SPAM.value)
        db.session.commit()
    staff.login(owner_email)
    if "moderation.comment_reply" in app.view_functions:
        token = csrf_from(staff.client.get(f"/admin/comments/{first}").get_data(as_text=True))
        answer = staff.client.post(f"/admin/comments/{first}/reply",
                                   data={"text": "The owner answers.", "csrf_token": token})
        assert answer.status_code in {302, 303}
    with app.app_context():
        statuses = dict(db.session.execute(select(Comment.id, Comment.status)).all())
    assert statuses[reply] == CommentStatus.PENDING.value

    owner = canaries_of("owner", owner_email, owner_email, "", "")
    owner = {k: v for k, v in owner.items() if v and "ip" not in k and "agent" not in k}
    everyone = {**ann.canaries(), **bob.canaries(), **eve.canaries(), **owner}
    start = ["/", "/feed.atom", "/no/such/page", f"/articles/{slugs[0]}/comments",
             f"/articles/{slugs[0]}?replytocom={reply}", f"/articles/{slugs[0]}?cpage=99",
             f"/articles/{slugs[0]}?replytocom={first}"]
    visitors = [
        # The anonymous public, then each reader with their own cookies (held comments,
        # saved details): Ann consented to saving hers, so her own address may fill her form.
        ("anonymous", app.test_client(), {"X-Forwarded-For": "192.0.2.1"}, everyone),
        ("ann", ann.client, ann.headers,
         {k: v for k, v in everyone.items() if not k.startswith("ann email")
          and not k.startswith(("ann md5(email", "ann sha1(email", "ann sha256(email",
                                "ann md5(typed", "ann sha1(typed", "ann sha256(typed"))}),
        ("bob", bob.client, bob.headers, everyone),
        ("eve", eve.client, eve.headers, everyone),
    ]
    total, found, seen_by = 0, [], {}
    for who, client, headers, canaries in visitors:
        pages = crawl(client, headers, start)
        pages += [fetch(client, url, {**headers, "Accept": "application/json"})
                  for url in ("/no/such/page", f"/articles/{slugs[0]}/comments")]
        total += len(pages)
        seen_by[who] = "\n".join(page.body for page in pages)
        for page in pages:
            assert page.status < 500, f"{who} {page.url}: {page.status}"
            found += [f"{who} GET {page.url}: {label}" for label in leaks(page, canaries)]
    figures(f"canaries {len(everyone)} (3 readers' emails, IPs, user agents, the owner's email, "
            f"and MD5/SHA-1/SHA-256 of each), responses crawled {total}, leaked {len(found)}")
    assert not found, "\n".join(found[:30])
    # The crawl reached what matters, and the detector finds a canary where one belongs.
    assert "Your comment is awaiting moderation." in seen_by["bob"]
    assert "Your comment is awaiting moderation." not in seen_by["anonymous"]
    if "moderation.comment_reply" in app.view_functions:
        assert "The owner answers." in seen_by["anonymous"]
    assert ann.email in seen_by["ann"], "Ann's saved details should fill her own form"
