"""The base of every form: text fields read only the urlencoded form body.

Flask-WTF's default also mixes uploaded files and JSON bodies into the form data, which
puts non-strings (a FileStorage, a list, a number, deep JSON) where validators expect
text and answers 500. blogapp's forms take text only.
"""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto  # Flask-WTF's "read the request" sentinel


class TextForm(FlaskForm):
    class Meta:
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                submitted = request.method in {"POST", "PUT", "PATCH", "DELETE"}
                return request.form if submitted else None
            return formdata
