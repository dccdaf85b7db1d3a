"""Owners upload images, edit their alt text, see where each is used and delete unused ones.

``POST /admin/media`` answers the editor's script in JSON (``Accept: application/json``)
with the Markdown to insert, and a plain form with a redirect. The app-wide body limit
(MAX_CONTENT_LENGTH, 1 MiB) is raised for this view only, and only once the login and
role checks have passed: so the CSRF check, which reads the body, runs here rather than
before every view.
"""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import StringField
from wtforms.validators import Length

from blogapp.auth.access import owner_required, safe_next
from blogapp.errors import wants_json
from blogapp.extensions import csrf, db
from blogapp.forms import TextForm
from blogapp.integers import query_int
from blogapp.media.images import ImageRefused
from blogapp.media.library import (
    MAX_ALT,
    MediaInUse,
    Upload,
    delete_media,
    set_alt,
    store_upload,
    usage_counts,
    used_by,
)
from blogapp.media.storage import StorageError
from blogapp.models import Media
from blogapp.moderation.blueprint import bp
from blogapp.services.article_content import refresh_articles

PER_PAGE = 40
MULTIPART_OVERHEAD = 64 * 1024  # the form's other fields and part headers


class AltForm(TextForm):
    alt = StringField("Alt text", validators=[Length(max=MAX_ALT)])


def max_upload_bytes() -> int:
    return int(current_app.config["MEDIA_MAX_MB"] * 1024 * 1024)


def _too_large() -> str:
    return (f"The file is larger than {current_app.config['MEDIA_MAX_MB']:g} MB, the most "
            "an image may be. Make it smaller and upload it again.")


def media_markdown(media: Media, alt: str | None = None) -> str:
    """The Markdown that puts *media* in an article."""
    text = (alt if alt is not None else media.alt).replace("[", "(").replace("]", ")")
    return f"![{text}]({url_for('media.file', key=media.key)})"


def media_json(media: Media) -> dict:
    thumb = media.rendition(640)
    return {"id": media.id, "key": media.key, "url": url_for("media.file", key=media.key),
            "thumbnail": url_for("media.file", key=thumb.key), "alt": media.alt,
            "width": media.width, "height": media.height, "filename": media.filename,
            "markdown": media_markdown(media)}


def _refuse(status: int, message: str):
    if wants_json():
        return jsonify(error="Upload refused", message=message), status
    flash(message, "error")
    return redirect(safe_next(request.form.get("next")) or url_for("moderation.media"))


@bp.route("/media", methods=["POST"])
@csrf.exempt  # checked in the view, after the role check and with the larger limit
@owner_required
def media_upload():
    limit = max_upload_bytes()
    request.max_content_length = limit + MULTIPART_OVERHEAD
    try:
        csrf.protect()
        upload = request.files.get("file")
        alt = request.form.get("alt", "")
    except RequestEntityTooLarge:
        abort(413, _too_large())
    if upload is None or not upload.filename:
        return _refuse(400, "Choose an image file (JPEG, PNG, WebP or GIF) to upload.")
    data = upload.read(limit + 1)
    if len(data) > limit:
        abort(413, _too_large())
    try:
        media = store_upload(Upload(data, upload.filename, alt, current_user.id),
                             current_app.config["MEDIA_MAX_PIXELS"],
                             current_app.config["MEDIA_WIDTHS"])
    except ImageRefused as exc:
        return _refuse(exc.status, str(exc))
    except StorageError:
        current_app.logger.exception("media store failed")
        return _refuse(503, "The image store cannot be reached; try again in a moment.")
    if wants_json():
        return jsonify(media_json(media)), 201
    flash(f"Uploaded {media.filename}. To show it in an article, put this in the body: "
          f"{media_markdown(media)}", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("moderation.media"))


@bp.route("/media")
@owner_required
def media():
    page = query_int("page", 1)
    total = db.session.scalar(select(func.count(Media.id))) or 0
    if page > max(1, -(-total // PER_PAGE)):  # also keeps the OFFSET within the integers
        abort(404)
    items = db.session.scalars(select(Media).order_by(Media.created_at.desc(), Media.id.desc())
                               .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    uses = usage_counts(m.id for m in items)
    return render_template("moderation/media.html", items=items, uses=uses, page=page,
                           pages=max(1, -(-total // PER_PAGE)), total=total,
                           markdown=media_markdown, max_mb=current_app.config["MEDIA_MAX_MB"])


def _media_or_404(media_id: int) -> Media:
    media = db.session.get(Media, media_id)
    if media is None:
        abort(404)
    return media


@bp.route("/media/<int:media_id>")
@owner_required
def media_detail(media_id: int):
    item = _media_or_404(media_id)
    form = AltForm(formdata=None, alt=item.alt)
    return render_template("moderation/media_detail.html", item=item, form=form,
                           articles=used_by(item), markdown=media_markdown(item))


@bp.route("/media/<int:media_id>/alt", methods=["POST"])
@owner_required
def media_alt(media_id: int):
    item = _media_or_404(media_id)
    form = AltForm()
    if not form.validate():
        return render_template("moderation/media_detail.html", item=item, form=form,
                               articles=used_by(item), markdown=media_markdown(item)), 422
    refresh_articles(set_alt(item, form.alt.data or ""))
    flash("Alt text saved; the articles using the image show it.", "success")
    return redirect(url_for("moderation.media_detail", media_id=item.id))


@bp.route("/media/<int:media_id>/delete", methods=["POST"])
@owner_required
def media_delete(media_id: int):
    item = _media_or_404(media_id)
    try:
        delete_media(item)
    except MediaInUse as exc:
        abort(409, str(exc))
    except StorageError:
        current_app.logger.exception("media store failed while deleting")
        flash("The image is gone from the library; some of its files could not be removed "
              "from the store.", "error")
        return redirect(url_for("moderation.media"))
    flash(f"Deleted {item.filename}.", "success")
    return redirect(url_for("moderation.media"))
