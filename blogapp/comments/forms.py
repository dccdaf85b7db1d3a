"""The Leave a Reply form: shape checks and tamper-proofing (the policy judges intent)."""

from __future__ import annotations

import re
import time
from functools import lru_cache
from urllib.parse import urlsplit

import idna
from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from blogapp.comments.entry import MAX_AUTHOR, MAX_CONTENT, MAX_EMAIL, MAX_URL
from blogapp.forms import TextForm
from blogapp.integers import parse_int
from blogapp.unicode_text import normalize_text

FORM_TOKEN_SALT = "comment-form-timestamp"


def _line(value):
    return normalize_text(value, multiline=False) if isinstance(value, str) else value


def _text(value):
    return normalize_text(value, multiline=True) if isinstance(value, str) else value


class MaxLength(Length):
    """Length that ends the field's checks when it fails: nothing after it (an email
    parser, a URL parser) ever reads more than *max* characters."""

    def __call__(self, form, field) -> None:
        try:
            super().__call__(form, field)
        except ValidationError as exc:
            raise StopValidation(str(exc)) from None


def _valid_email(form, field) -> None:
    if not field.data:
        return
    try:
        validate_email(field.data, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"Please enter a valid email address ({exc}).") from None


_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_HOST_PORT_RE = re.compile(r"[^:/?#]+:[0-9]+(?:[/?#]|$)")
_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
_IPV6_RE = re.compile(r"\[[0-9A-Fa-f:.]+\]")
WEB_SCHEMES = frozenset({"http", "https"})
URL_MESSAGE = "Please enter a web address starting with http:// or https://."


def _website(value):
    """Give a website typed without a scheme ``http://``, as WordPress does.

    ``user.example.org``, ``user.example.org:8080/path`` and ``//user.example.org`` are
    web addresses; ``ftp:``, ``mailto:``, ``javascript:`` ... keep their scheme and are
    refused by _web_url."""
    value = _line(value)
    if not isinstance(value, str) or not value:
        return value
    if value.startswith("//"):
        return f"http:{value}"
    if _SCHEME_RE.match(value) and not _HOST_PORT_RE.match(value):
        return value  # has a scheme of its own (a host:port is not one)
    return f"http://{value}"


def _web_url(form, field) -> None:
    if not field.data:
        return
    if any(ch.isspace() for ch in field.data):
        raise ValidationError("A web address cannot contain spaces.")
    scheme = field.data.split(":", 1)[0].lower()
    if scheme not in WEB_SCHEMES or not field.data[len(scheme) + 1:].startswith("//"):
        raise ValidationError(URL_MESSAGE)
    try:
        parts = urlsplit(field.data)
        parts.port  # noqa: B018 (raises on a port out of range or not a number)
    except ValueError:
        raise ValidationError("Please enter a valid web address, such as "
                              "https://example.org.") from None
    if "@" in parts.netloc:
        raise ValidationError("Please enter a web address without a user name or password.")
    if not _valid_host(parts.netloc.rpartition(":")[0] if _port_given(parts.netloc)
                       else parts.netloc):
        raise ValidationError("Please enter a valid web address, such as https://example.org.")


def _port_given(netloc: str) -> bool:
    return not netloc.endswith("]") and ":" in netloc


def _valid_host(host: str) -> bool:
    """Accept a DNS name (letters of any script, as IDNA 2008 and UTS #46 allow them),
    an IPv4 or a bracketed IPv6."""
    if _IPV6_RE.fullmatch(host):
        return True
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return False
    labels = host.rstrip(".").split(".")
    return bool(labels) and all(_LABEL_RE.fullmatch(label) for label in labels)


# The "Notify me" boxes' values: replies to one's comment, or every new comment.
SUBSCRIBE_CHOICES = ("replies", "all")


class TickedValues(Field):
    """Checkboxes sharing one name: the list of values ticked, each one of *allowed*."""

    def __init__(self, label=None, validators=None, allowed: tuple[str, ...] = (), **kw):
        super().__init__(label, validators, **kw)
        self.allowed = allowed
        self.data: list[str] = []

    def process_formdata(self, valuelist) -> None:
        self.data = [v for v in valuelist if v][:len(self.allowed) + 1]

    def pre_validate(self, form) -> None:
        if any(value not in self.allowed for value in self.data):
            self.data = [v for v in self.data if v in self.allowed]
            raise StopValidation("Not a valid choice: tick one of the boxes or none.")


class CommentForm(TextForm):
    """The Leave a Reply form. It carries no session token: readers have no session, so
    every plain reader gets the same cacheable page. What stops forgery is the view's
    cross-origin check and the signed form token (see blogapp.comments.views)."""

    class Meta(TextForm.Meta):
        csrf = False

    comment = TextAreaField("Comment", filters=[_text],
                            validators=[DataRequired(), MaxLength(max=MAX_CONTENT)])
    author = StringField("Name", filters=[_line], validators=[MaxLength(max=MAX_AUTHOR)])
    email = EmailField("Email", filters=[_line],
                       validators=[MaxLength(max=MAX_EMAIL), _valid_email])
    url = URLField("Website", filters=[_website],
                   validators=[Optional(), MaxLength(max=MAX_URL), _web_url])
    comment_parent = HiddenField(default="0")
    consent = BooleanField(
        "Save my name, email, and website in this browser for the next time I comment.",
        name="wp-comment-cookies-consent",
    )
    # Mail about this discussion (blogapp/subscriptions/); shown when mail is on.
    subscribe_comments = TickedValues("Notify me by email", allowed=SUBSCRIBE_CHOICES)
    # Tamper-proofing: a field people never see, and when the form was handed out.
    contact_fax = StringField("Leave this field empty", filters=[_line])
    form_token = HiddenField()

    def __init__(self, *args, require_name_email: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.require_name_email = require_name_email
        if require_name_email:
            self.author.flags.required = True
            self.email.flags.required = True

    def validate_author(self, field) -> None:
        if self.require_name_email and not field.data:
            raise ValidationError("Please enter your name.")

    def validate_email(self, field) -> None:
        if self.require_name_email and not field.data:
            raise ValidationError("Please enter your email address.")

    def validate_subscribe_comments(self, field) -> None:
        if field.data and not self.email.data:
            raise ValidationError("Enter your email address to be notified by email.")

    @property
    def subscription_kind(self) -> str | None:
        """"all" covers "replies": with both ticked, every new comment is mailed."""
        chosen = set(self.subscribe_comments.data or ())
        return "all" if "all" in chosen else "replies" if "replies" in chosen else None

    def validate_comment_parent(self, field) -> None:
        if parse_int((field.data or "0").strip(), 0) is None:
            raise ValidationError("The comment you are replying to is not available.")

    @property
    def parent_id(self) -> int | None:
        return parse_int((self.comment_parent.data or "").strip(), 0) or None


@lru_cache(maxsize=4)
def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=FORM_TOKEN_SALT)


def issue_form_token(secret: str, article_id: int | str, now: float | None = None) -> str:
    """Sign when the form was handed out, bound to the article (or an external page URL).

    The token names the second, so every form of an article handed out in one second
    carries the same one: it is signed once per second (the signature is deterministic)."""
    return _token_of(secret, article_id, int(now if now is not None else time.time()))


@lru_cache(maxsize=256)
def _token_of(secret: str, article_id: int | str, second: int) -> str:
    return _signer(secret).dumps([article_id, second])


TOKEN_MEMO_CHARS = 120


@lru_cache(maxsize=1024)
def _payload(secret: str, token: str) -> tuple | None:
    """What a form token says (article, second issued), or None when it is not ours.

    Remembered per token: a robot that sends one forged token again and again, or many
    readers who opened the form in the same second, are checked once."""
    try:
        token_article, issued = _signer(secret).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(token_article, int | str) or not isinstance(issued, int | float):
        return None
    return token_article, issued


def check_form_token(secret: str, token: str, article_id: int | str, min_seconds: int,
                     max_age_hours: int, now: float | None = None) -> str | None:
    """Return a friendly complaint when the form token is forged, too fresh or too old."""
    now = now if now is not None else time.time()
    payload = None
    if isinstance(token, str) and token:  # ours are ~40 characters: keep no long ones
        payload = _payload(secret, token) if len(token) <= TOKEN_MEMO_CHARS else (
            _payload.__wrapped__(secret, token))
    if payload is None:
        return ("This form could not be verified. Your comment is kept below: "
                "please send it again.")
    token_article, issued = payload
    if token_article != article_id:
        return "This form belongs to another article. Your comment is kept below: send it again."
    if now - issued < min_seconds:
        return ("That was quick! To keep robots out we ask for a few seconds between opening "
                "the form and posting. Your comment is kept below: please send it again.")
    if now - issued > max_age_hours * 3600:
        return ("This page was open for a long time, so the form expired. Your comment is "
                "kept below: please send it again.")
    return None
