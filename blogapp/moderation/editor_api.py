"""What the editor's script calls: the live preview, autosave, and revisions to restore.

Both script endpoints are POSTs carrying the editor form's own CSRF token. The preview
changes nothing; an autosave keeps the text aside (blogapp.services.revisions) and never
touches the article, except that the first autosave of a new article creates it as a
draft, so that there is something to keep the text beside.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from blogapp.auth.access import owner_required
from blogapp.extensions import db
from blogapp.models import Article, ArticleRevision, RevisionKind
from blogapp.moderation.article_form import DraftTextForm
from blogapp.moderation.blueprint import bp
from blogapp.services.article_content import render_body
from blogapp.services.articles import ArticleDraft, save_article
from blogapp.services.revisions import Snapshot, autosave, restore_revision

UNTITLED = "Untitled draft"


def _invalid(form: DraftTextForm):
    return jsonify(error="Not saved", message="The text is longer than an article may be.",
                   fields=sorted(form.errors)), 422


@bp.route("/articles/preview", methods=["POST"])
@owner_required
def article_preview():
    form = DraftTextForm()
    if not form.validate():
        return _invalid(form)
    return jsonify(html=render_body(form.body.data or ""))


def _urls(article: Article) -> dict[str, str]:
    return {"article_id": str(article.id),
            "edit_url": url_for("moderation.edit_article", article_id=article.id),
            "autosave_url": url_for("moderation.article_autosave", article_id=article.id)}


@bp.route("/articles/autosave", methods=["POST"])
@owner_required
def new_article_autosave():
    form = DraftTextForm()
    if not form.validate():
        return _invalid(form)
    if not (form.title.data or "").strip() and not (form.body.data or "").strip():
        return jsonify(saved=False)
    article = save_article(ArticleDraft(
        title=(form.title.data or "").strip() or UNTITLED, slug="", body_md=form.body.data or "",
        excerpt=form.excerpt.data or "", comments_open=True, action="draft"),
        author_id=current_user.id)
    return jsonify(saved=True, created=True, saved_at=article.updated_at.isoformat() + "Z",
                   **_urls(article))


def _article_or_404(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        abort(404)
    return article


@bp.route("/articles/<int:article_id>/autosave", methods=["POST"])
@owner_required
def article_autosave(article_id: int):
    article = _article_or_404(article_id)
    form = DraftTextForm()
    if not form.validate():
        return _invalid(form)
    row = autosave(article, Snapshot(form.title.data or "", form.body.data or "",
                                     form.excerpt.data or ""), current_user.id)
    return jsonify(saved=True, created=False, saved_at=row.created_at.isoformat() + "Z",
                   **_urls(article))


def _revision_or_404(article: Article, revision_id: int) -> ArticleRevision:
    revision = db.session.get(ArticleRevision, revision_id)
    if revision is None or revision.article_id != article.id \
            or revision.kind == RevisionKind.AUTOSAVE.value:
        abort(404)
    return revision


@bp.route("/articles/<int:article_id>/revisions/<int:revision_id>")
@owner_required
def article_revision(article_id: int, revision_id: int):
    article = _article_or_404(article_id)
    revision = _revision_or_404(article, revision_id)
    return render_template("moderation/revision.html", article=article, revision=revision,
                           preview=render_body(revision.body_md))


@bp.route("/articles/<int:article_id>/revisions/<int:revision_id>/restore", methods=["POST"])
@owner_required
def article_revision_restore(article_id: int, revision_id: int):
    article = _article_or_404(article_id)
    revision = _revision_or_404(article, revision_id)
    restore_revision(article, revision, current_user.id)
    flash(f"Restored the revision of {revision.created_at:%Y-%m-%d %H:%M} UTC; "
          "the article keeps its state.", "success")
    return redirect(url_for("moderation.edit_article", article_id=article.id))
