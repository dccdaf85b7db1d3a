"""Owners keep the list of categories the editor offers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from blogapp.auth.access import owner_required
from blogapp.extensions import db
from blogapp.forms import TextForm
from blogapp.models import Category
from blogapp.models.taxonomy import article_categories
from blogapp.moderation.blueprint import bp
from blogapp.services.taxonomy import (
    TaxonomyError,
    all_categories,
    create_category,
    delete_category,
    update_category,
)


class CategoryForm(TextForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    slug = StringField("Slug", validators=[Optional(), Length(max=80)],
                       description="Its address: /category/<slug>. Left empty, it is made "
                                   "from the name.")
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)],
                                description="Shown at the top of the category's page.")


def _counts() -> dict[int, int]:
    rows = db.session.execute(select(article_categories.c.category_id, func.count())
                              .group_by(article_categories.c.category_id)).all()
    return {category_id: n for category_id, n in rows}


def _listing(form: CategoryForm, status: int = 200):
    return render_template("moderation/categories.html", categories=all_categories(),
                           counts=_counts(), form=form), status


@bp.route("/categories")
@owner_required
def categories():
    return _listing(CategoryForm(formdata=None))


@bp.route("/categories", methods=["POST"])
@owner_required
def categories_create():
    form = CategoryForm()
    if not form.validate():
        return _listing(form, 422)
    try:
        category = create_category(form.name.data, form.slug.data or "",
                                   form.description.data or "")
    except TaxonomyError as exc:
        form.name.errors = [str(exc)]
        return _listing(form, 409)
    flash(f"Category “{category.name}” added.", "success")
    return redirect(url_for("moderation.categories"))


def _category_or_404(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        abort(404)
    return category


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@owner_required
def category_edit(category_id: int):
    category = _category_or_404(category_id)
    form = CategoryForm() if request.method == "POST" else CategoryForm(formdata=None,
                                                                       obj=category)
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                update_category(category, form.name.data, form.slug.data or "",
                                form.description.data or "")
            except TaxonomyError as exc:
                form.name.errors = [str(exc)]
                status = 409
            else:
                flash("Category saved.", "success")
                return redirect(url_for("moderation.categories"))
        else:
            status = 422
    return render_template("moderation/category.html", category=category, form=form), status


@bp.route("/categories/<int:category_id>/delete", methods=["POST"])
@owner_required
def category_delete(category_id: int):
    category = _category_or_404(category_id)
    name = category.name
    delete_category(category)
    flash(f"Category “{name}” deleted; its articles keep their other categories.", "success")
    return redirect(url_for("moderation.categories"))
