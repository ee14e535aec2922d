"""The bilingual glossary, curated by the bureau."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ypmatch.extensions import db
from ypmatch.forms.common import ConfirmForm, as_choices
from ypmatch.forms.filters import record_id
from ypmatch.forms.glossary import GlossaryConceptForm, MergeConceptForm, surface_forms
from ypmatch.models import GlossaryConcept
from ypmatch.permissions import staff_required
from ypmatch.services.cities import active_sectors, sectors_by_ids
from ypmatch.services.glossary import (
    concepts_query,
    merge_concepts,
    related_concepts,
    save_concept,
)
from ypmatch.services.records import ConflictError
from ypmatch.services.rules import InvalidFields
from ypmatch.services.submissions import record_result
from ypmatch.views.records import (
    archive_or_restore,
    claim_form,
    paginate_request,
    render_history,
    report_conflict,
)

blueprint = Blueprint("glossary", __name__, url_prefix="/glossary")


@blueprint.get("/")
@staff_required
def index():
    text = request.args.get("q", "")[:100].strip()
    archived = request.args.get("archived") == "1"
    sector_id = request.args.get("sector", type=record_id)
    query = concepts_query(text, sector_id, archived, str(get_locale()))
    page = paginate_request(query, per_page=current_app.config["PER_PAGE"] * 2)
    return render_template(
        "glossary/index.html",
        page=page,
        text=text,
        archived=archived,
        sectors=active_sectors(),
        sector_id=sector_id,
    )


def _prepare(form: GlossaryConceptForm) -> GlossaryConceptForm:
    locale = str(get_locale())
    form.sectors.choices = as_choices([(s.id, s.name(locale)) for s in active_sectors()])
    return form


def _data(form: GlossaryConceptForm) -> dict:
    return {
        "key": form.key.data,
        "label_en": form.label_en.data,
        "label_ja": form.label_ja.data,
        "forms_en": surface_forms(form.forms_en.data),
        "forms_ja": surface_forms(form.forms_ja.data),
        "sectors": sectors_by_ids(form.sectors.data or []),
        "outside_scope": form.outside_scope.data,
        "related": surface_forms(form.related.data),
    }


def _key_taken(key: str, exclude_id: int | None) -> bool:
    query = sa.select(GlossaryConcept.id).where(GlossaryConcept.key == key)
    if exclude_id is not None:
        query = query.where(GlossaryConcept.id != exclude_id)
    return db.session.scalar(query) is not None


@blueprint.route("/new", methods=["GET", "POST"])
@staff_required
def create():
    form = _prepare(GlossaryConceptForm())
    if form.validate_on_submit():
        if _key_taken(form.key.data, None):
            form.key.errors.append(_("This key is in use already."))
        else:
            submission = claim_form(form)
            try:
                concept = save_concept(None, _data(form), current_user)
            except InvalidFields as broken:
                db.session.rollback()
                broken.show_on(form)
            else:
                target = url_for("glossary.show", concept_id=concept.id)
                record_result(submission, target)
                db.session.commit()
                flash(_("Concept added; matching uses it from now on."), "success")
                return redirect(target)
    status = 422 if form.is_submitted() else 200
    return render_template("glossary/form.html", form=form, concept=None), status


@blueprint.get("/<int:concept_id>")
@staff_required
def show(concept_id: int):
    concept = db.get_or_404(GlossaryConcept, concept_id)
    return render_template(
        "glossary/show.html",
        concept=concept,
        related=related_concepts(concept),
        confirm_form=ConfirmForm(),
        merge_form=MergeConceptForm(),
    )


@blueprint.route("/<int:concept_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(concept_id: int):
    concept = db.get_or_404(GlossaryConcept, concept_id)
    form = _prepare(GlossaryConceptForm(obj=concept))
    if request.method == "GET":
        form.version.data = str(concept.version)
        form.forms_en.data = "\n".join(concept.forms_en)
        form.forms_ja.data = "\n".join(concept.forms_ja)
        form.sectors.data = [sector.id for sector in concept.sectors]
        form.related.data = "\n".join(concept.related or ())
    other_change = None
    if form.validate_on_submit():
        if _key_taken(form.key.data, concept.id):
            form.key.errors.append(_("This key is in use already."))
        else:
            try:
                save_concept(concept, _data(form), current_user, form.expected_version())
            except ConflictError as error:
                other_change = report_conflict(error, form)
            except InvalidFields as broken:
                db.session.rollback()
                broken.show_on(form)
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("glossary.show", concept_id=concept.id))
    status = 409 if other_change else (422 if form.is_submitted() else 200)
    return render_template(
        "glossary/form.html", form=form, concept=concept, other_change=other_change
    ), status


@blueprint.post("/<int:concept_id>/merge")
@staff_required
def merge(concept_id: int):
    target = db.get_or_404(GlossaryConcept, concept_id)
    form = MergeConceptForm()
    if form.validate_on_submit():
        duplicate = db.session.scalar(
            sa.select(GlossaryConcept).where(
                GlossaryConcept.key == form.duplicate_key.data,
                GlossaryConcept.is_current,
            )
        )
        if duplicate is None or duplicate.id == target.id:
            flash(_("There is no other current concept with that key."), "error")
        else:
            merge_concepts(target, duplicate, current_user)
            db.session.commit()
            flash(_("Merged %(key)s into this concept.", key=duplicate.key), "success")
    else:
        flash(_("Give the key of the concept to merge."), "error")
    return redirect(url_for("glossary.show", concept_id=target.id))


@blueprint.post("/<int:concept_id>/archive")
@staff_required
def archive(concept_id: int):
    concept = db.get_or_404(GlossaryConcept, concept_id)
    return archive_or_restore(concept, False, url_for("glossary.show", concept_id=concept.id))


@blueprint.post("/<int:concept_id>/restore")
@staff_required
def restore(concept_id: int):
    concept = db.get_or_404(GlossaryConcept, concept_id)
    return archive_or_restore(concept, True, url_for("glossary.show", concept_id=concept.id))


@blueprint.get("/<int:concept_id>/history")
@staff_required
def history(concept_id: int):
    concept = db.get_or_404(GlossaryConcept, concept_id)
    return render_history(concept, concept.key, url_for("glossary.show", concept_id=concept.id))
