"""Security headers on every response: each GET route of the URL map (anonymous and as the
owner), every kind of error page, and the cookies the app sets, over HTTP and HTTPS."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import csrf_from, post_form
from tests.security.conftest import FAST_DISCUSSION, rule_url, rules_with, seed_small_site

# On SQLite only (one_engine, tests/conftest.py): security headers and cookie flags are set by the
# app, not the engine.
pytestmark = pytest.mark.one_engine

STRICT_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
SCRIPT_TAG_RE = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# A JSON-LD data block (schema.org data on article pages): browsers never run a script
# whose type is not JavaScript, so CSP does not apply to it. It is checked as data instead.
DATA_BLOCK_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
NONCE_ATTR_RE = re.compile(r'\bnonce="([^"]+)"')
OWN_FILE_RE = re.compile(r'\bsrc="/static/[a-z-]+\.js"')
INLINE_HANDLER_RE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


CONFIG = {**FAST_DISCUSSION, "SPAM_CHECK_MODE": "inline", "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def app_config():
    return dict(CONFIG)


@pytest.fixture
def ids(app):
    return seed_small_site(app)


def csp_directives(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def check_headers(response, where: str) -> None:
    """Assert the policy and companions; return nothing, fail with *where* named."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    assert csp, f"{where}: no Content-Security-Policy"
    directives = csp_directives(csp)
    scripts = directives.get("script-src")
    assert scripts is not None, f"{where}: no script-src in {csp}"
    assert any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for s in scripts) \
        or scripts in (["'self'"], ["'none'"]), f"{where}: script-src neither nonce- nor hash-based"
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert unsafe not in scripts, f"{where}: script-src allows {unsafe}"
    assert directives.get("object-src") == ["'none'"], f"{where}: object-src is not 'none'"
    assert directives.get("base-uri") in (["'self'"], ["'none'"]), f"{where}: base-uri"
    ancestors = directives.get("frame-ancestors")
    assert ancestors and "*" not in ancestors, f"{where}: frame-ancestors missing or open"
    assert headers.get("X-Content-Type-Options") == "nosniff", f"{where}: no nosniff"
    assert headers.get("Referrer-Policy") in STRICT_REFERRER, f"{where}: Referrer-Policy"
    if response.mimetype == "text/html":
        check_scripts(response.get_data(as_text=True), scripts, where)


def check_scripts(html: str, script_src: list[str], where: str) -> None:
    """Every script the page carries must be one the policy lets run, and the app's own
    markup must not rely on inline handlers (the policy would block them)."""
    nonces = {s[len("'nonce-"):-1] for s in script_src if s.startswith("'nonce-")}
    for data in DATA_BLOCK_RE.findall(html):
        assert "<" not in data, f"{where}: markup in a JSON-LD block: {data[:200]}"
        json.loads(data)
    html = DATA_BLOCK_RE.sub("", html)
    for attributes in SCRIPT_TAG_RE.findall(html):
        if OWN_FILE_RE.search(attributes) and "'self'" in script_src:
            continue  # the theme's own file: 'self' lets it run (stored pages carry no nonce)
        match = NONCE_ATTR_RE.search(attributes)
        assert match and match.group(1) in nonces, f"{where}: <script{attributes}> lacks the nonce"
    assert not INLINE_HANDLER_RE.search(html), f"{where}: inline event handler in the markup"


def test_every_get_route_sends_the_security_headers(app, client, staff, ids, figures):
    anonymous = app.test_client()
    staff.login_as("owner")
    checked = 0
    for rule in rules_with(app, "GET"):
        url = rule_url(rule, ids)
        for who, visitor in (("anonymous", anonymous), ("owner", client)):
            with visitor.get(url) as response:  # closes the static files' handles
                assert response.status_code < 500, f"{who} GET {url}: {response.status_code}"
                check_headers(response, f"{who} GET {url} ({response.status_code})")
            checked += 1
    figures(f"GET routes {len(rules_with(app, 'GET'))}, responses checked {checked}")


def nonces(response) -> list[str]:
    scripts = csp_directives(response.headers["Content-Security-Policy"])["script-src"]
    return [s for s in scripts if s.startswith("'nonce-")]


def test_the_nonce_is_new_on_every_response_that_uses_one(client, staff, ids):
    staff.login_as("owner")  # the queue page loads its script with the nonce
    first, second = (client.get("/admin/comments") for _ in range(2))
    assert nonces(first) and nonces(second) and nonces(first) != nonces(second)


def test_pages_without_scripts_name_no_nonce(app, ids):
    """A nonce no script uses is only one to leak: a stored page's policy is 'self' alone."""
    for url in ("/", f"/articles/{ids['slug']}", f"/articles/{ids['slug']}"):
        response = app.test_client().get(url)
        assert nonces(response) == [], url
        assert csp_directives(response.headers["Content-Security-Policy"])["script-src"] == \
            ["'self'"]


@pytest.fixture
def error_pages(app, ids):
    @app.route("/__boom")
    def boom():
        raise RuntimeError("a bug")

    return app


def test_error_pages_send_the_security_headers(error_pages, client, staff, ids, figures):
    app = error_pages
    staff.create("moderator@example.com", "moderator")
    moderator = app.test_client()
    staff.login("moderator@example.com", client=moderator)
    cases = {
        "404": client.get("/no/such/page"),
        "404 article": client.get("/articles/no-such-article"),
        "404 json": client.get("/no/such/page", headers={"Accept": "application/json"}),
        "405": client.get("/admin/comments/undo"),  # POST only (GET of the comment URL: 303)
        "400 csrf": client.post("/login", data={"email": "a@b.c", "password": "x"}),
        "400 comment": client.post(f"/articles/{ids['slug']}/comments", data={"comment": "x"}),
        "401 login": post_form(client, "/login", {"email": "no@one.example", "password": "x"}),
        "403 role": moderator.get("/admin/settings"),
        "413": client.post("/login", data={"email": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}),
        "500": client.get("/__boom"),
    }
    for name, response in cases.items():
        expected = int(name.split()[0])
        assert response.status_code == expected, f"{name}: got {response.status_code}"
        check_headers(response, f"error page {name}")
    figures(f"error pages checked {len(cases)}: {', '.join(cases)}")


@pytest.mark.parametrize("app_config", [{**CONFIG, "RATELIMIT_ENABLED": True}])
def test_rate_limited_answer_sends_the_security_headers(app, ids):
    client = app.test_client()
    statuses = [post_form(client, "/login", {"email": "x@ok.example", "password": "x"})
                for _ in range(7)]
    assert statuses[-1].status_code == 429
    check_headers(statuses[-1], "429")


def cookies_of(response) -> dict[str, str]:
    """Map each Set-Cookie name to its full header line, lower-cased."""
    return {line.split("=", 1)[0]: line.lower()
            for line in response.headers.getlist("Set-Cookie")}


def check_cookie(line: str, name: str, secure: bool) -> None:
    assert "httponly" in line, f"{name} is not HttpOnly: {line}"
    assert "samesite=lax" in line, f"{name} is not SameSite=Lax: {line}"
    assert ("; secure" in line) is secure, f"{name} Secure should be {secure}: {line}"


def comment_cookies(client, slug: str, **environ):
    page = client.get(f"/articles/{slug}", **environ).get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    return client.post(f"/articles/{slug}/comments", data={
        "comment": "Hello", "author": "Ann", "email": "ann@ok.example", "url": "",
        "wp-comment-cookies-consent": "yes", "form_token": token,
    }, **environ)


@pytest.mark.parametrize("scheme", ["http", "https", "x-forwarded-proto"])
def test_cookies_are_httponly_lax_and_secure_over_https(app, staff, ids, scheme):
    staff.create("owner@example.com")
    client = app.test_client()
    environ: dict = {}
    if scheme == "https":
        # Over HTTPS, Flask-WTF also wants the same-origin Referer a browser sends.
        environ = {"base_url": "https://blog.test", "headers": {"Referer": "https://blog.test/"}}
    if scheme == "x-forwarded-proto":
        app.config["PROXY_COUNT"] = 1
        from blogapp.setup import register_proxy

        register_proxy(app)
        environ = {"headers": {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
                               "Referer": "https://blog.test/"}}
    secure = scheme != "http"

    page = client.get("/login", **environ)
    login = client.post("/login", data={
        "email": "owner@example.com", "password": staff.PASSWORD, "remember": "y",
        "csrf_token": csrf_from(page.get_data(as_text=True))}, **environ)
    assert login.status_code == 302
    set_at_login = {**cookies_of(page), **cookies_of(login)}
    assert {"session", "remember_token"} <= set(set_at_login), set_at_login
    for name, line in set_at_login.items():
        check_cookie(line, name, secure)
    if secure:
        assert "Strict-Transport-Security" in login.headers

    reader = app.test_client()
    posted = comment_cookies(reader, ids["slug"], **environ)
    assert posted.status_code == 303, posted.get_data(as_text=True)[:500]
    set_by_comment = cookies_of(posted)
    assert {"comment_held", "comment_author", "comment_author_email"} <= set(set_by_comment)
    for name, line in set_by_comment.items():
        if "max-age=0" not in line:  # deletions carry no value to protect
            check_cookie(line, name, secure)


def test_one_https_request_does_not_make_plain_http_cookies_secure(app, ids):
    """Whether a cookie is Secure belongs to each request: the app must not flip a
    process-wide setting on the first HTTPS request (every later plain-HTTP response of
    that worker would then set cookies a browser refuses to send back over HTTP)."""
    app.test_client().get("/login", base_url="https://blog.test")
    response = app.test_client().get("/login")
    line = cookies_of(response)["session"]
    assert "; secure" not in line, f"plain HTTP answer after an HTTPS one: {line}"
