"""Owners write, preview, publish, schedule and trash articles."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from blogapp.auth.access import owner_required
from blogapp.extensions import db
from blogapp.models import Article, ArticleStatus
from blogapp.moderation.article_form import ArticleForm
from blogapp.moderation.blueprint import bp
from blogapp.sanitize import render_article
from blogapp.services.articles import ArticleDraft, delete_article, save_article, set_state

EDITOR_ACTIONS = {"draft", "publish", "schedule", "preview"}
LIST_ACTIONS = {"publish", "unpublish", "trash", "restore", "delete"}
DONE_MESSAGES = {
    "publish": "Article published.",
    "unpublish": "Article unpublished; it is a draft again.",
    "trash": "Article moved to trash.",
    "restore": "Article restored as a draft.",
}


def _article_or_404(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        abort(404)
    return article


@bp.route("/articles")
@owner_required
def articles():
    show = request.args.get("status", "all")
    query = select(Article).order_by(Article.updated_at.desc(), Article.id.desc())
    if show == "trash":
        query = query.where(Article.status == ArticleStatus.TRASH.value)
    else:
        query = query.where(Article.status != ArticleStatus.TRASH.value)
    return render_template("moderation/articles.html", articles=db.session.scalars(query).all(),
                           show=show)


@bp.route("/articles/new", methods=["GET", "POST"])
@owner_required
def new_article():
    return _editor(None)


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
@owner_required
def edit_article(article_id: int):
    return _editor(_article_or_404(article_id))


def _editor(article: Article | None):
    form = ArticleForm(obj=None)
    if request.method == "GET" and article is not None:
        form.title.data = article.title
        form.slug.data = article.slug
        form.body.data = article.body_md
        form.excerpt.data = article.excerpt
        form.comments_open.data = article.comments_open
        form.publish_at.data = article.published_at
    action = request.form.get("action", "draft")
    if action not in EDITOR_ACTIONS:
        action = "draft"
    form.meta.action = action
    preview = None
    if form.is_submitted():
        if form.validate():
            if action == "preview":
                preview = render_article(form.body.data)
            else:
                saved = save_article(
                    ArticleDraft(
                        title=form.title.data,
                        slug=form.slug.data or "",
                        body_md=form.body.data,
                        excerpt=form.excerpt.data or "",
                        comments_open=form.comments_open.data,
                        action=action,
                        publish_at=form.publish_at.data,
                    ),
                    author_id=current_user.id,
                    article=article,
                )
                flash(_saved_message(saved), "success")
                return redirect(url_for("moderation.edit_article", article_id=saved.id))
        else:
            return render_template("moderation/article_form.html", form=form, article=article,
                                   preview=None), 422
    return render_template("moderation/article_form.html", form=form, article=article,
                           preview=preview)


def _saved_message(article: Article) -> str:
    if article.is_scheduled:
        return f"Scheduled for {article.published_at:%Y-%m-%d %H:%M} UTC."
    if article.is_published:
        return "Published."
    return "Draft saved."


@bp.route("/articles/<int:article_id>/<action>", methods=["POST"])
@owner_required
def article_action(article_id: int, action: str):
    if action not in LIST_ACTIONS:
        abort(404)
    article = _article_or_404(article_id)
    if action == "delete":
        try:
            delete_article(article)
        except ValueError as exc:
            abort(409, str(exc))
        flash("Article deleted permanently.", "success")
    else:
        set_state(article, action)
        flash(DONE_MESSAGES[action], "success")
    return redirect(url_for("moderation.articles"))
