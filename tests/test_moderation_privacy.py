"""Readers' data: export it (page and CLI) and erase it so nothing tied to the address
remains in the database or on any public page, except the text when the owner keeps it."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from blogapp.comments.moderation import edit_text
from blogapp.extensions import db
from blogapp.models import Article
from tests.moderation_helpers import QUIET, add_comment, audit_rows, get, new_article, token

EMAIL = "Rita.Reader@Example.org"
NAME = "Rita Reader"
SITE = "https://rita.example"
IP = "192.0.2.44"
TEXT = "Night buses changed my commute."


@pytest.fixture
def app_config():
    return {**QUIET, "DISCUSSION_MODERATION_KEYS": ["rita.reader@example.org"]}


@pytest.fixture
def owner(staff):
    return staff.login_as("owner")


@pytest.fixture
def seeded(app):
    """Rita's approved and held comments (the address in mixed case), plus Bob's."""
    article_id = new_article(app)
    ritas = [
        add_comment(app, article_id, "approved", author=NAME, email=EMAIL.lower(), url=SITE,
                    ip=IP, content=TEXT),
        add_comment(app, article_id, "pending", author=NAME, email=EMAIL, url=SITE, ip=IP,
                    content="Second thoughts about the 40."),
    ]
    bob = add_comment(app, article_id, "approved", author="Bob", email="bob@example.com",
                      content="Agreed.", ip="198.51.100.1")
    with app.app_context():
        slug = db.session.get(Article, article_id).slug
    return {"ritas": ritas, "bob": bob, "slug": slug}


def dump_database(app) -> str:
    """Every value in every table, as one lower-cased string."""
    with app.app_context():
        parts = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                parts.extend(str(value) for value in row)
        return "\n".join(parts).lower()


def public_pages(client, slug) -> str:
    return "\n".join(client.get(url).get_data(as_text=True)
                     for url in ("/", f"/articles/{slug}", "/feed.atom")).lower()


def test_export_downloads_everything_tied_to_the_address(app, client, owner, seeded):
    response = client.post("/admin/privacy/export",
                           data={"csrf_token": token(client, "/admin/privacy"),
                                 "email": EMAIL.upper()})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert [c["id"] for c in data["comments"]] == seeded["ritas"]
    first = data["comments"][0]
    assert (first["author"], first["url"], first["ip"], first["content"]) == \
        (NAME, SITE, IP, TEXT)
    assert first["article"] == "Night buses" and first["status"] == "approved"
    assert audit_rows(app)[-1][0] == "privacy_export"


def test_export_from_the_command_line(app, runner, seeded, tmp_path):
    result = runner.invoke(args=["privacy", "export", EMAIL])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["comments"]) == 2 and data["comments"][1]["user_agent"] == "pytest"
    out = tmp_path / "rita.json"
    assert runner.invoke(args=["privacy", "export", "nobody@example.com", "-o", str(out)]) \
        .exit_code == 0
    assert json.loads(out.read_text())["comments"] == []


@pytest.mark.parametrize(("choice", "text_left"), [("keep", True), ("remove", False)])
def test_erase_leaves_nothing_tied_to_the_address(app, client, owner, seeded, choice,
                                                  text_left):
    with app.app_context():  # an edit keeps the old text in the audit log: erase it too
        edit_text(seeded["ritas"][0], TEXT + f" Mail me: {EMAIL}", owner)
        edit_text(seeded["ritas"][0], TEXT, owner)
    assert NAME.lower() in public_pages(client, seeded["slug"])
    response = client.post("/admin/privacy/erase", data={
        "csrf_token": token(client, "/admin/privacy"), "email": EMAIL, "text": choice,
        "confirm": "yes"})
    assert response.status_code == 302
    assert "Erased personal data from 2 comments." in client.get("/admin/privacy").text

    stored = dump_database(app)
    for secret in (EMAIL.lower(), NAME.lower(), SITE, IP, "rita"):
        assert secret not in stored, secret
    assert (TEXT.lower() in stored) is text_left
    pages = public_pages(client, seeded["slug"])
    for secret in (EMAIL.lower(), NAME.lower(), SITE, IP):
        assert secret not in pages
    assert (TEXT.lower() in pages) is text_left
    assert "anonymous" in pages and "agreed." in pages  # Bob's comment is untouched
    erased = get(app, seeded["ritas"][0])
    assert (erased.author, erased.email, erased.ip, erased.user_agent) == \
        ("Anonymous", "", "", "")
    assert audit_rows(app, seeded["ritas"][1])[-1][0] == "privacy_erase"
    assert get(app, seeded["bob"]).email == "bob@example.com"


def test_erase_needs_confirmation(app, client, owner, seeded):
    client.post("/admin/privacy/erase", data={
        "csrf_token": token(client, "/admin/privacy"), "email": EMAIL, "text": "remove"})
    assert get(app, seeded["ritas"][0]).email == EMAIL.lower()
    assert "cannot be undone" in client.get("/admin/privacy").text


@pytest.mark.parametrize("path", ["/admin/privacy/export", "/admin/privacy/erase"])
def test_an_address_is_required(client, owner, path):
    client.post(path, data={"csrf_token": token(client, "/admin/privacy"), "email": "nope",
                            "confirm": "yes"})
    assert "Enter the reader&#39;s email address." in client.get("/admin/privacy").text
