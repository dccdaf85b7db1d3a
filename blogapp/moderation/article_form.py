"""The article editor's form."""

from __future__ import annotations

from datetime import datetime

from wtforms import BooleanField, DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from blogapp.forms import TextForm
from blogapp.models.base import utcnow


class ArticleForm(TextForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        "Slug", validators=[Optional(), Length(max=80)],
        description="Left empty, it is made from the title.",
    )
    body = TextAreaField("Body (Markdown)", validators=[DataRequired(), Length(max=500_000)])
    excerpt = TextAreaField("Excerpt", validators=[Optional(), Length(max=2000)])
    comments_open = BooleanField("Allow comments", default=True)
    publish_at = DateTimeLocalField(
        "Publish at (UTC)", validators=[Optional()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
    )

    def validate_publish_at(self, field) -> None:
        action = self.meta.action if hasattr(self.meta, "action") else None
        if action == "schedule":
            if field.data is None:
                raise ValidationError("Choose the date and time to publish at.")
            if field.data <= utcnow():
                raise ValidationError("A scheduled time must be in the future.")

    def scheduled_time(self) -> datetime | None:
        return self.publish_at.data
