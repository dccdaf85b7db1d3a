"""wrk Lua scripts for the comment-POST rows (bench/write_rows.py).

Every post comes from an address and an email of its own: the app runs behind one trusted
proxy (``BLOGAPP_PROXY_COUNT=1``) and reads the client address from ``X-Forwarded-For``
(werkzeug's ProxyFix), so flood control and the duplicate check stay on as in production
and only the posts that are meant to be refused are. Each script gets a *salt* (the first
octet of its addresses, a part of its emails and texts), so no two scripts of one run
share an address or a text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus, urlencode

from bench import wrk

SPAM_MARKER = "viagra-test-123"  # tests/akismet_server.py: the FakeAkismet says "spam"
EVIL_ORIGIN = "http://evil.example"
# An article's form action for a slug no article has (a robot replaying a deleted
# article's form); before 2026-12-01 the row posted to /no-such-article/comments, a URL no
# route serves, which measured Flask's 404 for unrouted URLs rather than an unknown article.
UNKNOWN_PATH = "/articles/no-such-article/comments"
WORDS = ("caching", "thanks", "ETag", "versions", "fragments", "templates", "latency",
         "pagination", "indexes", "workers", "sessions", "ratios", "queues", "threads")
_SALTS = itertools.count(20)  # first octets 20..126 for the scripts' addresses


def next_salt() -> int:
    salt = next(_SALTS)
    if salt >= 127:
        raise RuntimeError("out of address ranges for post scripts in this run")
    return salt


@dataclass
class Form:
    """What a browser that opened the article page sends back with a comment."""

    action: str
    token: str
    cookie: str
    parents: list[str] = field(default_factory=list)
    author: str = "Bench Reader"
    url: str = "https://reader.example.org/"
    opened: float = 0.0  # time.monotonic() when the page was fetched

    def fields(self, **changes: str | None) -> dict[str, str]:
        """The form's fields (a None in *changes* leaves that field out)."""
        out = {"form_token": self.token, "author": self.author,
               "email": "bench.reader@example.org", "url": self.url, "contact_fax": "",
               "comment_parent": "0", "comment": "A probe: does the pipeline answer 303?"}
        out.update(changes)
        return {k: v for k, v in out.items() if v is not None}


# Lua shared by the scripts: unique addresses, emails and texts per (salt, thread, n).
COMMON_LUA = """
local n = 0
local function addr(salt, k)
  local u = k * 16 + tid
  return salt .. "." .. (math.floor(u / 65536) % 256) .. "." ..
    (math.floor(u / 256) % 256) .. "." .. (u % 256)
end
local function email(salt, k)
  return "b" .. salt .. "-" .. tid .. "-" .. k .. "%40example.org"
end
local function text(salt, k)
  return "Bench+comment+" .. salt .. "-" .. tid .. "-" .. k .. "%3A+" ..
    words[k % #words + 1] .. "+and+" .. words[(k * 7) % #words + 1] .. "+again%2C+" ..
    string.rep("on+", k % 9)
end
local function parent(k)
  if #parents > 0 and k % 4 == 0 then return parents[math.floor(k / 4) % #parents + 1] end
  return "0"
end
local function post(path, from, body, extra)
  -- wrk.format sends the table it is given instead of wrk.headers: copy them in.
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["X-Forwarded-For"] = from
  if extra then for name, value in pairs(extra) do headers[name] = value end end
  return wrk.format("POST", path, headers, body)
end
"""

# One request() body per kind; *fixed* is the url-encoded part that does not change.
KINDS = {
    # A new comment from a new reader (a reply in every fourth).
    "new": """
  return post(nil, addr(salt, n), fixed .. "&email=" .. email(salt, n) ..
    "&comment_parent=" .. parent(n) .. "&comment=" .. text(salt, n))
""",
    # The same address again and again: it posted a moment before the run (flood_seconds).
    "flood": """
  return post(nil, flooder, fixed .. "&email=" .. email(salt, n) ..
    "&comment_parent=0&comment=" .. text(salt, n))
""",
    # The same author, email, parent and text as a stored comment (fixed holds them all).
    "duplicate": """
  return post(nil, addr(salt, n), fixed)
""",
    # A post from another site's page.
    "cross-site": """
  return post(nil, addr(salt, n), fixed .. "&email=" .. email(salt, n) ..
    "&comment_parent=0&comment=" .. text(salt, n), {["Origin"] = evil})
""",
    # The spam wave (P6): new spam, floods, unknown articles, honeypots, bad tokens.
    "wave": """
  local slot = n % 10
  if slot < 3 then
    spams = spams + 1
    recent[spams % 64] = addr(salt, n)
    return post(nil, addr(salt, n), fixed .. "&email=" .. email(salt, n) ..
      "&comment_parent=0&comment=" .. marker .. "+" .. text(salt, n))
  elseif slot < 6 then
    -- an address that posted spam a few dozen posts ago (well within flood_seconds)
    local from = flooder
    if spams > 40 then from = recent[(spams - 32) % 64] end
    return post(nil, from, fixed .. "&email=" .. email(salt, n) ..
      "&comment_parent=0&comment=" .. marker .. "+" .. text(salt, n))
  elseif slot < 9 then
    return post(unknown, addr(salt, n), fixed .. "&email=" .. email(salt, n) ..
      "&comment_parent=0&comment=" .. marker .. "+" .. text(salt, n))
  elseif n % 20 == 9 then
    return post(nil, addr(salt, n), honeypot .. "&email=" .. email(salt, n) ..
      "&comment_parent=0&comment=" .. marker .. "+" .. text(salt, n))
  else
    return post(nil, addr(salt, n), badtoken .. "&email=" .. email(salt, n) ..
      "&comment_parent=0&comment=" .. marker .. "+" .. text(salt, n))
  end
""",
}


def write(path: Path, kind: str, form: Form, *, fixed: dict[str, str] | None = None,
          salt: int | None = None, flooder: str = "", delay_ms: int = 0) -> Path:
    """Write the wrk script for *kind* (KINDS); *fixed*: the fields sent unchanged (by
    default the form's, less email, parent and text, which vary per request)."""
    salt = next_salt() if salt is None else salt
    if fixed is None:
        fixed = form.fields(email=None, comment_parent=None, comment=None)
    fixed_body = urlencode(fixed)
    lua = lambda s: wrk.lua_string(s)  # noqa: E731
    head = f"""
local salt = {salt}
local fixed = {lua(fixed_body)}
local flooder = {lua(flooder)}
local evil = {lua(EVIL_ORIGIN)}
local unknown = {lua(UNKNOWN_PATH)}
local marker = {lua(quote_plus(SPAM_MARKER))}
local honeypot = {lua(urlencode({**fixed, "contact_fax": "0123456789"}))}
local badtoken = {lua(urlencode({**fixed, "form_token": tampered(form.token)}))}
local parents = {{{", ".join(lua(p) for p in form.parents)}}}
local words = {{{", ".join(lua(w) for w in WORDS)}}}
local spams = 0
local recent = {{}}
"""
    body = head + COMMON_LUA + "function request()\n  n = n + 1\n" + KINDS[kind] + "end\n"
    if delay_ms:
        body += f"function delay()\n  return {int(delay_ms)}\nend\n"
    return wrk.write_script(path, body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": form.cookie,
        "User-Agent": "blogapp-bench/1"})


def write_reader(path: Path) -> Path:
    """A wrk script reading the URL it is given, counting the answers' statuses."""
    return wrk.write_script(path, "", headers={"User-Agent": "blogapp-bench/1"})


def tampered(token: str) -> str:
    """The form token with one character of its signature changed (a forged token)."""
    if len(token) < 8:
        return "forged"
    # Not the last character: in base64 its low bits may be padding that decodes alike.
    swap = "A" if token[-5] != "A" else "B"
    return token[:-5] + swap + token[-4:]
