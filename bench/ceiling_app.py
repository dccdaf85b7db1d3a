"""The ceiling: the least a Flask app can do to answer like blogapp does.

Served by the same gunicorn command and settings as blogapp. The body is read once at
import from CEILING_BODY_FILE (the bytes blogapp answered, so the size is exactly the same):

- ``GET /page``: 200 with the body, or 304 when If-None-Match names its ETag;
- ``POST /post``: parses the form (as any form handler must) and answers the same 303
  redirect to CEILING_LOCATION that blogapp sends after accepting a comment;
- ``POST /refuse``: parses the form and answers the body with CEILING_REFUSE_STATUS (the
  floor of a refused post whose answer is a page of that size: bench/write_rows.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, redirect, request

_BODY_FILE = os.environ.get("CEILING_BODY_FILE")
BODY = Path(_BODY_FILE).read_bytes() if _BODY_FILE else b""
LOCATION = os.environ.get("CEILING_LOCATION", "/page")
CONTENT_TYPE = os.environ.get("CEILING_CONTENT_TYPE", "text/html; charset=utf-8")
REFUSE_STATUS = int(os.environ.get("CEILING_REFUSE_STATUS", "400"))
ETAG = "ceiling-v1"

app = Flask(__name__)


@app.get("/page")
def page() -> Response:
    if ETAG in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{ETAG}"'})
    return Response(BODY, content_type=CONTENT_TYPE, headers={"ETag": f'"{ETAG}"'})


@app.post("/post")
def post() -> Response:
    if not request.form.get("comment"):
        return Response("missing comment", status=400)
    return redirect(LOCATION, code=303)


@app.post("/refuse")
def refuse() -> Response:
    request.form.get("comment")  # the form is parsed, as any refusal keeping the text must
    return Response(BODY, status=REFUSE_STATUS, content_type=CONTENT_TYPE)
