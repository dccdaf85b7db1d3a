"""The comment area of a target's page: the comment list and the Leave a Reply form,
and the cookies that make it personal. The host draws the page around it
(Host.render_page; its template includes comments/area.html)."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from flask import current_app, render_template, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select
from werkzeug.datastructures import MultiDict

from blogapp.comments.forms import CommentForm, issue_form_token
from blogapp.comments.host import Target
from blogapp.comments.own_edit import EDIT_COOKIE, editable_here
from blogapp.comments.policy import CommentStatus
from blogapp.comments.services import comments_closed
from blogapp.comments.settings import SiteSettings, load_settings
from blogapp.comments.state import current_host
from blogapp.comments.stored import stored_page
from blogapp.comments.threads import NoSuchCommentPage, ThreadPage, thread_page
from blogapp.extensions import db
from blogapp.models import Comment
from blogapp.models.base import utcnow
from blogapp.render_cache import peek, store
from blogapp.site import site_request, site_version

HELD_COOKIE = "comment_held"
FRAME_CACHE = "refusal-frame"
RESPOND_SLOT = "\x00respond\x00"  # where a refused post's form goes into a stored frame
DETAIL_COOKIES = {"author": "comment_author", "email": "comment_author_email",
                  "url": "comment_author_url"}
LIST_CACHE = "comment-list"
CPAGE = re.compile(r"[1-9][0-9]{0,8}")  # ASCII digits, no sign, no leading zero
COMMENT_ID = re.compile(r"[0-9]{1,10}")  # ASCII digits
MAX_ID = 2**31 - 1  # PostgreSQL's integer: a larger number names no row (and must not 500)


def held_serializer() -> URLSafeTimedSerializer:
    return _held_serializer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=4)  # one per secret: built once, not for every post and page
def _held_serializer_for(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="held-comments")


def held_comments() -> list[tuple[int, str]]:
    """Return the (id, preview token) pairs of held comments this browser wrote.

    The cookie is signed and short-lived; a preview also needs the token stored on the
    row, so a cookie can never show another comment that came to carry the same id."""
    raw = request.cookies.get(HELD_COOKIE)
    if not raw:
        return []
    try:
        pairs = held_serializer().loads(raw, max_age=current_app.config["HELD_COOKIE_MAX_AGE"])
    except BadSignature:
        return []
    if not isinstance(pairs, list):
        return []
    return [(pair[0], pair[1]) for pair in pairs
            if isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is int
            and isinstance(pair[1], str)][:20]


def held_cookie(comment_id: int, preview_token: str) -> str:
    """Return the cookie value naming a comment and this browser's other held comments."""
    pairs = [[comment_id, preview_token],
             *[[i, t] for i, t in held_comments() if i != comment_id]][:20]
    return held_serializer().dumps(pairs)


def requested_cpage(args: MultiDict) -> int | None:
    """Return the comment page asked for (None: the default page).

    Only one canonical number names a page (``cpage=2``; not ``02``, ``+2``, ``²`` or two
    of them): anything else answers 404, so a stranger cannot make one page stored or
    served under many names. The readers' middleware applies the same rule."""
    values = args.getlist("cpage")
    if not values:
        return None
    if len(values) > 1 or not CPAGE.fullmatch(values[0]):
        raise NoSuchCommentPage()
    return int(values[0])


def reply_target(article: Target, settings: SiteSettings, wanted: str | None):
    """Return (id, author) of the comment a reply may go under, or None for a new thread.

    As WordPress's ``_get_comment_reply_id``: only an approved comment of this article;
    and, since the pipeline refuses deeper replies, one above the deepest level."""
    comment_id = wanted_reply(wanted)
    if comment_id is None:
        return None
    return db.session.execute(REPLY_TARGET, {
        "id": comment_id, "article": article.id, "approved": CommentStatus.APPROVED.value,
        "depth": settings.thread_depth}).first()


def wanted_reply(wanted: str | None) -> int | None:
    """The comment id a form's comment_parent (or ?replytocom=) names, or None."""
    wanted = (wanted or "").strip()
    if not COMMENT_ID.fullmatch(wanted) or not 0 < int(wanted) <= MAX_ID:
        return None
    return int(wanted)


#: The comment a reply may go under (reply_target); bound: id, article, approved, depth.
REPLY_TARGET = select(Comment.id, Comment.author).where(
    Comment.id == bindparam("id"), Comment.article_id == bindparam("article"),
    Comment.status == bindparam("approved"), Comment.depth < bindparam("depth"))


def blank_form(article: Target, settings: SiteSettings) -> CommentForm:
    form = CommentForm(formdata=None, require_name_email=settings.require_name_email)
    for field, cookie in DETAIL_COOKIES.items():
        form[field].data = request.cookies.get(cookie, "")[:250]
    form.consent.data = bool(request.cookies.get("comment_author"))
    return form


def article_etag(article, settings: SiteSettings) -> str | None:
    """Return a validator for this reader's personal copy of the page (None: always render).

    It covers everything the page shows: the article, its comments (comments_version),
    the settings, who is logged in, this browser's cookies, and the day (the form's signed
    timestamp lasts a day at most)."""
    if session.get("_flashes"):
        return None
    parts = [
        site_version(current_app), article_key(article), repr(settings),
        session.get("_user_id", ""),
        request.cookies.get(HELD_COOKIE, ""), request.cookies.get(EDIT_COOKIE, ""),
        utcnow().replace(second=0, microsecond=0) if EDIT_COOKIE in request.cookies
        else utcnow().date(),
        *(request.cookies.get(c, "") for c in DETAIL_COOKIES.values()),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


FORM_TOKEN_SLOT = "\x00form-token\x00"


def plain_reader() -> bool:
    """A reader with nothing personal on the page: no login, cookies, flashes or reply."""
    return not ("_user_id" in session or session.get("_flashes")
                or request.args.get("replytocom") or HELD_COOKIE in request.cookies
                or EDIT_COOKIE in request.cookies
                or any(c in request.cookies for c in DETAIL_COOKIES.values()))


def render_plain_page(article: Target, settings: SiteSettings,
                      cpage: int | None) -> tuple[str, ThreadPage]:
    """Render the page every plain reader sees, with FORM_TOKEN_SLOT for the form token.

    The caller stores the whole page (inside blogapp.site.site_request), so the comment
    list is not stored apart as well."""
    closed = comments_closed(article, settings, utcnow())
    thread = thread_page(article.id, article.comment_count, settings, cpage)
    form = blank_form(article, settings)
    form.form_token.data = FORM_TOKEN_SLOT
    comment_list = _render_list(article, thread, settings, closed)
    return _render(article, form, settings, closed, comment_list, None, None), thread


def render_article_page(article: Target, form: CommentForm | None = None, status: int = 200,
                        settings: SiteSettings | None = None, message: str | None = None,
                        cpage: int | None = None):
    """Render the page for one reader: a refused form kept, their details, a reply.

    A refused post gets its own small page (refused_page) where the host draws one; else
    the target's page with the form drawn in."""
    settings = settings or load_settings(current_app.config)
    form = form or blank_form(article, settings)
    form.form_token.data = issue_form_token(current_app.config["SECRET_KEY"], article.id)
    # A reply goes under an approved comment of this article or nowhere: the form never
    # names a parent the post would be refused for (neither from ?replytocom= nor kept
    # from a refused post).
    wanted = form.comment_parent.data if form.is_submitted() else request.args.get("replytocom")
    replying_to = reply_target(article, settings, wanted)
    form.comment_parent.data = str(replying_to.id) if replying_to else "0"
    closed = comments_closed(article, settings, utcnow())
    if status >= 400 and cpage is None and form.is_submitted():
        page = refused_page(article, form, settings, closed, replying_to, message, status)
        if page is not None:
            return page, status
    held = held_comments()
    if held:
        thread = thread_page(article.id, article.comment_count, settings, cpage, held)
        comment_list = _render_list(article, thread, settings, closed)
    else:
        comment_list = cached_list(article, settings, closed, cpage)
    return _render(article, form, settings, closed, comment_list, replying_to, message,
                   status), status


def refused_page(article: Target, form: CommentForm, settings: SiteSettings, closed: bool,
                 replying_to, message: str | None, status: int) -> str | None:
    """The page of a refused post: what was wrong, the form with the poster's text kept
    and a fresh token, and the way back to the discussion (Host.render_refusal; as
    django-contrib-comments' comments/preview.html, not the target's whole page again).

    A poster with nothing personal on the page (no login, held comment or own edit:
    every robot) gets the stored frame with only the form drawn in (refusal_frame): the
    same bytes, so a wave of refused posts costs little. None: the frame has no place
    for the form (a host's template without ``{{ respond }}``), and the caller draws the
    target's page."""
    head, tail = refusal_frame(article, settings, closed)
    if tail is None:
        return None
    context = _context(article, form, settings, closed, Markup(""), replying_to, message, ())
    respond = render_template("comments/form.html", **context)
    if plain_poster():
        return "".join((head, respond, tail))
    draw = getattr(current_host(), "render_refusal", None)
    if draw is None:  # the host's whole page, drawn for this poster
        return None
    return draw(article, {**context, "respond": Markup(respond)}, status)


#: The text fields a refused post's form shows again (comments/form.html escapes each).
KEPT_FIELDS = ("comment", "author", "email", "url")
_SLOT = re.compile("\x00(comment|author|email|url|form-token|message)\x00")
MESSAGE_SLOT = "\x00message\x00"


def respond_parts(article: Target, settings: SiteSettings, closed: bool,
                  form: CommentForm, replying_to=None) -> tuple[str, ...]:
    """The form block of a refused post that names no field, drawn once with a slot in
    place of each kept text field, of the form token and of the refusal's message (a
    flood's names the seconds left: one block serves every wait): literal, name, ...

    What else the block shows comes from *form*'s choices (consent, subscriptions, and
    when closed whether there is a text at all) and *replying_to* (reply_target's row).
    fill_respond() puts a
    post's values in, escaped as the template escapes them (blogapp.blog.refused_posts)."""
    slotted = CommentForm(formdata=None, require_name_email=settings.require_name_email)
    for name in KEPT_FIELDS:
        slotted[name].data = f"\x00{name}\x00"
    if closed and not form.comment.data:
        slotted.comment.data = ""
    slotted.consent.data = form.consent.data
    slotted.subscribe_comments.data = list(form.subscribe_comments.data or ())
    slotted.form_token.data = FORM_TOKEN_SLOT
    slotted.comment_parent.data = str(replying_to.id) if replying_to else "0"
    html = render_template("comments/form.html", **_context(
        article, slotted, settings, closed, Markup(""), replying_to, MESSAGE_SLOT, ()))
    return tuple(_SLOT.split(html))


def fill_respond(parts: tuple[str, ...], values: dict[str, str]) -> str:
    """Put *values* (by slot name, "form-token" and "message" included) into
    respond_parts()' block."""
    return "".join(part if i % 2 == 0 else escape(values.get(part) or "")
                   for i, part in enumerate(parts))


def plain_poster() -> bool:
    """A poster whose page holds nothing personal but the form itself: no login, no
    flashes, no held comment, no comment of theirs to edit (remembered details only
    fill the form, which a refused post brings itself)."""
    return not ("_user_id" in session or session.get("_flashes")
                or HELD_COOKIE in request.cookies or EDIT_COOKIE in request.cookies)


class Frame(tuple):
    """A page's text before and after its ``#respond`` block (a stored value); the tail
    is None when the host's page has no slot for it (its own comments/area.html)."""

    def __len__(self) -> int:  # what the render cache's budget counts
        return len(self[0]) + len(self[1] or "")


def refusal_frame(article: Target, settings: SiteSettings,
                  closed: bool) -> tuple[str, str | None]:
    """Return the refused post's page (refused_page) split around its form, stored per
    version of the article and of its comments (frame_key): the host's refusal page, or
    for a host with none its default comment page."""
    key = frame_key(current_app, article.key, closed, settings)
    found = peek(FRAME_CACHE, key)
    if isinstance(found, Frame):
        return found
    with site_request(current_app._get_current_object()):
        frame = _draw_frame(article, settings, closed)
    store(FRAME_CACHE, key, frame)
    return frame


def frame_key(app, target_key: tuple, closed: bool, settings: SiteSettings) -> tuple:
    """What a refusal frame is stored under (blogapp.blog.refused_posts reads it too)."""
    return (site_version(app), target_key, closed, settings)


def _draw_frame(article: Target, settings: SiteSettings, closed: bool) -> Frame:
    # A blank form: a host's own template without the slot still draws (and the frame
    # then says it has no slot).
    context = {**_context(article, blank_form(article, settings), settings, closed,
                          Markup(""), None, None, ()), "respond": Markup(RESPOND_SLOT)}
    host = current_host()
    draw = getattr(host, "render_refusal", None)
    if draw is not None:
        html = draw(article, context, 400)
    else:
        thread = thread_page(article.id, article.comment_count, settings, None)
        context["comment_list"] = _render_list(article, thread, settings, closed)
        html = host.render_page(article, context, 400)
    head, slot, tail = html.partition(RESPOND_SLOT)
    return Frame((head, tail if slot else None))


def _render(article: Target, form: CommentForm, settings: SiteSettings, closed: bool,
            comment_list: Markup, replying_to, message: str | None, status: int = 200) -> str:
    """Ask the host to draw the target's page around the comment area."""
    context = _context(article, form, settings, closed, comment_list, replying_to, message,
                       editable_here(article.id, settings))
    return current_host().render_page(article, context, status)


def _context(article: Target, form: CommentForm | None, settings: SiteSettings, closed: bool,
             comment_list: Markup, replying_to, message: str | None, own_edits) -> dict:
    """What comments/area.html (and its form.html) is drawn from."""
    return {"article": article, "form": form, "settings": settings, "closed": closed,
            "comment_list": comment_list, "replying_to": replying_to,
            "form_message": message, "own_edits": own_edits}


def _render_list(article: Target, thread: ThreadPage, settings: SiteSettings,
                 closed: bool) -> Markup:
    return Markup(render_template("comments/list.html", article=article, thread=thread,
                                  settings=settings, closed=closed))


def article_key(article) -> tuple:
    """What identifies this version of an article row (or the blog's version row) and of
    its visible comments: Target.key for the blog's articles.

    created_at tells apart a new article that reuses a deleted one's id."""
    return (article.id, article.created_at, article.updated_at, article.comments_version)


def cached_list(article: Target, settings: SiteSettings, closed: bool,
                cpage: int | None) -> Markup:
    """Return the rendered comment list, stored under the article's database version."""

    def render(page: int | None) -> tuple[Markup, ThreadPage]:
        thread = thread_page(article.id, article.comment_count, settings, page)
        return _render_list(article, thread, settings, closed), thread

    key = (site_version(current_app), article.key, closed, settings)
    return stored_page(LIST_CACHE, key, settings, cpage, render)
