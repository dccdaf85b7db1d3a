"""Command-line tools: staff accounts and demo content."""

from __future__ import annotations

from sqlalchemy import func, select

from blogapp.extensions import db
from blogapp.models import Article, User


def test_users_create_with_password(app, runner, staff):
    result = runner.invoke(args=["users", "create", "Mod@Example.com", "--role", "moderator",
                                 "--password", "longenough"])
    assert result.exit_code == 0, result.output
    assert "Created moderator mod@example.com" in result.output
    assert staff.login("mod@example.com", "longenough").status_code == 302


def test_users_create_generates_a_password(runner):
    result = runner.invoke(args=["users", "create", "o@example.com", "--role", "owner"])
    assert result.exit_code == 0 and "Password: " in result.output


def test_users_create_refuses_duplicates_and_short_passwords(runner):
    runner.invoke(args=["users", "create", "o@example.com", "--password", "longenough"])
    again = runner.invoke(args=["users", "create", "O@example.com", "--password", "longenough"])
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["users", "create", "p@example.com", "--password", "short"])
    assert short.exit_code != 0 and "8 characters" in short.output


def test_users_password_resets(runner, staff):
    runner.invoke(args=["users", "create", "o@example.com", "--password", "longenough"])
    result = runner.invoke(args=["users", "password", "o@example.com", "--password", "newsecret1"])
    assert result.exit_code == 0
    assert staff.login("o@example.com", "newsecret1").status_code == 302


def test_demo_loads_once_and_prints_a_working_login(app, runner, client, staff):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    password = first.output.split("password: ")[1].split()[0]
    second = runner.invoke(args=["demo"])
    assert "already loaded" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Article.id))) == 1
        assert db.session.scalar(select(func.count(User.id))) == 1
    assert staff.login("owner@example.com", password).status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Riverside City Bets on Night Buses" in html
    article = client.get("/articles/riverside-city-bets-on-night-buses-for-2027").text
    assert article.count("<h2>") >= 2 and "<blockquote>" in article and "Leave a Reply" in article
