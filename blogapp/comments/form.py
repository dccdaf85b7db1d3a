"""The Leave a Reply form: shape checks and tamper-proofing (the policy judges intent)."""

from __future__ import annotations

import time
from functools import lru_cache
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from blogapp.forms import TextForm
from blogapp.sanitize import normalize_text

# WordPress's limits (wp_get_comment_fields_max_lengths).
MAX_AUTHOR, MAX_EMAIL, MAX_URL, MAX_COMMENT = 245, 100, 200, 65525
FORM_TOKEN_SALT = "comment-form-timestamp"


def _line(value):
    return normalize_text(value, multiline=False) if isinstance(value, str) else value


def _text(value):
    return normalize_text(value, multiline=True) if isinstance(value, str) else value


def _valid_email(form, field) -> None:
    if not field.data:
        return
    try:
        validate_email(field.data, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"Please enter a valid email address ({exc}).") from None


def _web_url(form, field) -> None:
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise ValidationError("Please enter a web address starting with http:// or https://.")


class CommentForm(TextForm):
    """The Leave a Reply form. It carries no session token: readers have no session, so
    every plain reader gets the same cacheable page. What stops forgery is the view's
    cross-origin check and the signed form token (see blogapp.comments.views)."""

    class Meta(TextForm.Meta):
        csrf = False

    comment = TextAreaField("Comment", filters=[_text],
                            validators=[DataRequired(), Length(max=MAX_COMMENT)])
    author = StringField("Name", filters=[_line], validators=[Length(max=MAX_AUTHOR)])
    email = EmailField("Email", filters=[_line], validators=[Length(max=MAX_EMAIL), _valid_email])
    url = URLField("Website", filters=[_line], validators=[Optional(), Length(max=MAX_URL),
                                                           _web_url])
    comment_parent = HiddenField(default="0")
    consent = BooleanField(
        "Save my name, email, and website in this browser for the next time I comment.",
        name="wp-comment-cookies-consent",
    )
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

    def validate_comment_parent(self, field) -> None:
        value = (field.data or "0").strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise ValidationError("The comment you are replying to is not available.")

    @property
    def parent_id(self) -> int | None:
        value = (self.comment_parent.data or "").strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            return None
        return int(value) or None


@lru_cache(maxsize=4)
def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=FORM_TOKEN_SALT)


def issue_form_token(secret: str, article_id: int, now: float | None = None) -> str:
    """Sign when the form was handed out, bound to the article."""
    return _signer(secret).dumps([article_id, int(now if now is not None else time.time())])


def check_form_token(secret: str, token: str, article_id: int, min_seconds: int,
                     max_age_hours: int, now: float | None = None) -> str | None:
    """Return a friendly complaint when the form token is forged, too fresh or too old."""
    now = now if now is not None else time.time()
    try:
        token_article, issued = _signer(secret).loads(token or "")
    except (BadSignature, ValueError, TypeError):
        return ("This form could not be verified. Your comment is kept below: "
                "please send it again.")
    if token_article != article_id:
        return "This form belongs to another article. Your comment is kept below: send it again."
    if now - issued < min_seconds:
        return ("That was quick! To keep robots out we ask for a few seconds between opening "
                "the form and posting. Your comment is kept below: please send it again.")
    if now - issued > max_age_hours * 3600:
        return ("This page was open for a long time, so the form expired. Your comment is "
                "kept below: please send it again.")
    return None
