"""The article editor's forms."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from blogapp.forms import TextForm
from blogapp.integers import parse_int
from blogapp.models.base import utcnow
from blogapp.theme import from_site

MAX_BODY = 500_000


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (a managed list, e.g. categories)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ArticleForm(TextForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        "Slug", validators=[Optional(), Length(max=80)],
        description="Left empty, it is made from the title.",
    )
    body = TextAreaField("Body (Markdown)", validators=[DataRequired(), Length(max=MAX_BODY)])
    excerpt = TextAreaField(
        "Excerpt", validators=[Optional(), Length(max=2000)],
        description="Shown on the index, in feeds and in link previews; left empty, the "
                    "body's opening words are.")
    categories = CheckboxListField("Categories", coerce=int, validate_choice=True)
    tags = StringField("Tags", validators=[Optional(), Length(max=1000)],
                       description="Separated by commas; new tags are created.")
    featured = SelectField("Featured image", default="", validate_choice=True,
                           description="Shown on the index and above the article, and in "
                                       "link previews.")
    comments_open = BooleanField("Allow comments", default=True)
    publish_at = DateTimeLocalField(
        # In the site's time zone (BLOGAPP_TIMEZONE); __init__ names it in the label.
        "Publish at", validators=[Optional()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.publish_at.label.text = f"Publish at ({current_app.config['TIMEZONE']})"

    def validate_publish_at(self, field) -> None:
        action = self.meta.action if hasattr(self.meta, "action") else None
        if action == "schedule":
            if field.data is None:
                raise ValidationError("Choose the date and time to publish at.")
            if from_site(field.data) <= utcnow():
                raise ValidationError("A scheduled time must be in the future.")

    def scheduled_time(self) -> datetime | None:
        """The time asked for, in UTC (the field shows the site's zone)."""
        return from_site(self.publish_at.data)

    def featured_media_id(self) -> int | None:
        value = self.featured.data or ""
        return parse_int(value, 1)


class DraftTextForm(TextForm):
    """What the editor's script sends to preview or autosave: the text, unchecked for
    completeness (work in progress may have no title yet)."""

    title = StringField("Title", validators=[Optional(), Length(max=200)])
    body = TextAreaField("Body", validators=[Optional(), Length(max=MAX_BODY)])
    excerpt = TextAreaField("Excerpt", validators=[Optional(), Length(max=2000)])
