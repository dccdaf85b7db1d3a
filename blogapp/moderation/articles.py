"""Owners write, preview, publish, schedule and trash articles."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from blogapp.auth.access import owner_required
from blogapp.extensions import db
from blogapp.models import Article, ArticleKind, ArticleStatus, Media
from blogapp.moderation.article_form import ArticleForm
from blogapp.moderation.blueprint import bp
from blogapp.services.article_content import render_body
from blogapp.services.articles import ArticleDraft, delete_article, save_article, set_state
from blogapp.services.revisions import newer_autosave, revisions_of
from blogapp.services.taxonomy import all_categories
from blogapp.theme import local, to_site

FEATURED_CHOICES = 100  # the newest images offered as featured (and the current one)

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
    if article is None or article.is_external:
        abort(404)
    return article


@bp.route("/articles")
@owner_required
def articles():
    show = request.args.get("status", "all")
    query = (select(Article).where(Article.kind == ArticleKind.POST.value)
             .order_by(Article.updated_at.desc(), Article.id.desc()))
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


def _media_choices(article: Article | None) -> list[tuple[str, str]]:
    recent = list(db.session.scalars(select(Media).order_by(Media.created_at.desc(),
                                                            Media.id.desc())
                                      .limit(FEATURED_CHOICES)))
    if article is not None and article.featured is not None and article.featured not in recent:
        recent.insert(0, article.featured)
    return [("", "None")] + [(str(m.id), m.alt or m.filename) for m in recent]


def _fill_from(form: ArticleForm, article: Article) -> None:
    form.title.data = article.title
    form.slug.data = article.slug
    form.body.data = article.body_md
    form.excerpt.data = article.excerpt
    form.comments_open.data = article.comments_open
    form.publish_at.data = to_site(article.published_at)
    form.categories.data = [c.id for c in article.categories]
    form.tags.data = ", ".join(t.name for t in article.tags)
    form.featured.data = str(article.featured_media_id or "")


def _page(form: ArticleForm, article: Article | None, preview: str | None, status: int = 200,
          loaded_autosave: bool = False):
    autosaved = newer_autosave(article, current_user.id) if article is not None else None
    return render_template(
        "moderation/article_form.html", form=form, article=article, preview=preview,
        revisions=revisions_of(article) if article is not None else [],
        autosaved=None if loaded_autosave else autosaved, loaded_autosave=loaded_autosave,
        autosave_seconds=current_app.config["EDITOR_AUTOSAVE_SECONDS"],
    ), status


def _editor(article: Article | None):
    form = ArticleForm(obj=None)
    form.categories.choices = [(c.id, c.name) for c in all_categories()]
    form.featured.choices = _media_choices(article)
    loaded_autosave = False
    if request.method == "GET" and article is not None:
        _fill_from(form, article)
        autosaved = newer_autosave(article, current_user.id)
        if request.args.get("autosave") and autosaved is not None:
            form.title.data, form.body.data, form.excerpt.data = (
                autosaved.title, autosaved.body_md, autosaved.excerpt)
            loaded_autosave = True
    action = request.form.get("action", "draft")
    if action not in EDITOR_ACTIONS:
        action = "draft"
    form.meta.action = action
    preview = None
    if form.is_submitted():
        if form.validate():
            if action == "preview":
                preview = render_body(form.body.data)
            else:
                saved = save_article(
                    ArticleDraft(
                        title=form.title.data,
                        slug=form.slug.data or "",
                        body_md=form.body.data,
                        excerpt=form.excerpt.data or "",
                        comments_open=form.comments_open.data,
                        action=action,
                        publish_at=form.scheduled_time(),
                        category_ids=tuple(form.categories.data or ()),
                        tags=form.tags.data or "",
                        featured_media_id=form.featured_media_id(),
                    ),
                    author_id=current_user.id,
                    article=article,
                )
                flash(_saved_message(saved), "success")
                return redirect(url_for("moderation.edit_article", article_id=saved.id))
        else:
            return _page(form, article, None, 422)
    return _page(form, article, preview, loaded_autosave=loaded_autosave)


def _saved_message(article: Article) -> str:
    if article.is_scheduled:
        return f"Scheduled for {local(article.published_at):%Y-%m-%d %H:%M %Z}."
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
