"""The base of every form: text fields read only the urlencoded form body.

Flask-WTF's default also mixes uploaded files and JSON bodies into the form data, which
puts non-strings (a FileStorage, a list, a number, deep JSON) where validators expect
text and answers 500. blogapp's forms take text only.
"""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto  # Flask-WTF's "read the request" sentinel
from wtforms import IntegerField

from blogapp.integers import MAX_ID, parse_int


class TextForm(FlaskForm):
    class Meta:
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                submitted = request.method in {"POST", "PUT", "PATCH", "DELETE"}
                return request.form if submitted else None
            return formdata


class WholeNumberField(IntegerField):
    """An IntegerField that reads ASCII digits only (see blogapp.integers).

    WTForms' own field calls int(), which also reads "٣", "1_000" and "+5" and has no
    bound; the form's NumberRange then gives the range, this the shape."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        self.data = parse_int(valuelist[0], -MAX_ID, MAX_ID)
        if self.data is None:
            raise ValueError(self.gettext("Enter a whole number, in digits 0 to 9."))
