"""View steps every curated record shares: history page, archive, restore, conflicts."""

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_sqlalchemy.pagination import SelectPagination

from ypmatch import labels
from ypmatch.extensions import db
from ypmatch.forms.common import ConfirmForm, as_choices
from ypmatch.forms.filters import ascii_number
from ypmatch.forms.matching import ApplySectorsForm
from ypmatch.models import FormSubmission, HistoryEntry
from ypmatch.services.records import (
    ConflictError,
    VersionError,
    archive_record,
    history_of,
    latest_change,
    restore_record,
    restore_version,
)
from ypmatch.services.submissions import AlreadySubmitted, claim


def render_history(
    record: Any,
    title: str,
    back_url: str,
    related: list[Any] = (),
    restore_to: tuple[str, dict[str, int]] | None = None,
):
    """The record's history, merged with that of ``related`` records (newest first).
    ``restore_to`` is the endpoint (and its URL values) where "restore this version" posts
    an entry of ``record``; None when the viewer may not restore."""
    entries = history_of(record)
    for other in related:
        entries.extend(history_of(other))
    entries.sort(key=lambda entry: entry.id, reverse=True)
    newest_own = next((e for e in entries if e.record_type == record.__tablename__), None)

    def restore_link(entry: HistoryEntry) -> str | None:
        if restore_to is None or entry is newest_own or not entry.snapshot:
            return None
        if entry.record_type != record.__tablename__ or entry.action == "archive":
            return None
        endpoint, values = restore_to
        return url_for(endpoint, entry_id=entry.id, **values)

    return render_template(
        "history.html",
        record=record,
        title=title,
        back_url=back_url,
        entries=entries,
        restore_link=restore_link,
        field_label=labels.field_label,
        confirm_form=ConfirmForm(),
    )


def restore_version_from_history(record: Any, entry_id: int, fields: tuple[str, ...], back):
    """The POST behind "restore this version": the version the editor saw guards it."""
    entry = db.get_or_404(HistoryEntry, entry_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The request could not be checked; nothing was changed."), "error")
        return redirect(back)
    try:
        expected = int(request.form.get("version", ""))
    except ValueError:
        expected = None
    try:
        changes = restore_version(record, entry, fields, current_user, expected_version=expected)
    except VersionError:
        abort(404)
    except ConflictError:
        db.session.rollback()
        flash(_("Someone saved this record meanwhile; look at the history again."), "error")
        return redirect(back)
    db.session.commit()
    if changes:
        flash(_("Version %(n)s restored, as a new change.", n=entry.version), "success")
    else:
        flash(_("That version is the same as the current one."), "info")
    return redirect(back)


def archive_or_restore(record: Any, restore: bool, next_url: str):
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The request could not be checked; nothing was changed."), "error")
        return redirect(next_url)
    if restore:
        restore_record(record, current_user, note=form.note.data or "")
        flash(_("Restored."), "success")
    else:
        archive_record(record, current_user, note=form.note.data or "")
        flash(_("Archived. A curator can restore it from the archive."), "success")
    db.session.commit()
    return redirect(next_url)


def report_conflict(error: ConflictError, form) -> HistoryEntry | None:
    """Tell the editor someone else saved first; their form now carries the new version.
    Returns the other editor's change (None if the record has no history), to show it."""
    db.session.rollback()
    db.session.refresh(error.record)
    other = latest_change(error.record)
    who = (other.user.name or other.user.email) if other and other.user else _("someone")
    flash(
        _(
            "%(who)s saved this record while you were editing it, so your changes were not "
            "saved. Review their change below, then save again to apply yours.",
            who=who,
        ),
        "error",
    )
    form.version.data = str(error.record.version)
    return other


# Ids are 32-bit in PostgreSQL; larger numbers name no record.
MAX_PAGE = 100_000


class PageWithTotal(SelectPagination):
    """A page whose items and total come from one query (``count(*) OVER ()``). For a search
    ordered by relevance the database sorts every match anyway, so the usual separate count
    query would run the whole search a second time."""

    def _query_items(self) -> list:
        query = self._query_args["select"].add_columns(sa.func.count().over())
        query = query.limit(self.per_page).offset(self._query_offset)
        rows = self._query_args["session"].execute(query).unique().all()
        self._total = rows[0][-1] if rows else None
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        return self._total if self._total is not None else super()._query_count()


def paginate_request(query, per_page: int | None = None, total_with_page: bool = False):
    """The page of ``query`` that ``?page=`` asks for; a page past the end is 404.
    ``total_with_page``: count in the page's query (see :class:`PageWithTotal`)."""
    value = request.args.get("page", "1") or "1"
    page = ascii_number(value)
    if page is None or not 1 <= page <= MAX_PAGE:
        abort(404)
    per_page = per_page or current_app.config["PER_PAGE"]
    if total_with_page:
        return PageWithTotal(
            select=query, session=db.session(), page=page, per_page=per_page, error_out=True
        )
    return db.paginate(query, page=page, per_page=per_page, error_out=True)


def sector_choices(sectors, locale: str) -> list:
    return as_choices(
        [
            (
                sector.id,
                _("%(name)s (archived)", name=sector.name(locale))
                if sector.is_archived
                else sector.name(locale),
            )
            for sector in sectors
        ]
    )


def suggested_sectors_form(suggestions, locale: str):
    """Suggested sectors to tick, none ticked: each says which concepts suggest it."""

    if not suggestions:
        return None
    form = ApplySectorsForm()
    form.sectors.choices = as_choices(
        [
            (
                sector.id,
                _(
                    "%(sector)s — the text mentions %(concepts)s",
                    sector=sector.name(locale),
                    concepts=", ".join(concepts[:4]),
                ),
            )
            for sector, concepts in suggestions
        ]
    )
    return form


def claim_form(form) -> FormSubmission | None:
    """Carry out a create form once: a repeat of it (a double click, a second tab) is sent
    where the first one led instead of creating the record again."""
    try:
        return claim(form.submission_key.data, current_user)
    except AlreadySubmitted as repeat:
        flash(_("This form was sent more than once; it was saved once."), "info")
        abort(redirect(safe_next_url(repeat.result_path or request.full_path)))


def safe_next_url(target: str | None) -> str:
    """Only same-site paths: a ``next`` parameter must not send users elsewhere."""
    if not target:
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.index")
    return target
