"""``ypmatch missions …``: plan missions and print shortlists from the command line."""

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask_babel import force_locale

from ypmatch.extensions import db
from ypmatch.models import Company, Mission, Need, NeedStatus, PartnerCity
from ypmatch.services.exports.missions import shortlist_sheets
from ypmatch.services.exports.writers import WRITERS
from ypmatch.services.missions import MissionError, create_mission, generate_shortlist
from ypmatch.services.records import update_record


@click.group("missions")
def missions_group() -> None:
    """Joint survey missions and their shortlists."""


def _find_city(name: str) -> PartnerCity:
    lowered = name.strip().lower()
    for city in db.session.scalars(sa.select(PartnerCity).where(PartnerCity.is_current)):
        if lowered in (city.name_en.lower(), city.name_ja.lower(), city.slug):
            return city
    raise click.ClickException(f"There is no partner city called {name!r}.")


@missions_group.command("create")
@click.option("--city", "city_name", required=True, help="City name (English or Japanese).")
@click.option("--title", required=True)
@click.option("--slots", type=click.IntRange(1, 50), required=True)
@click.option("--needs", "need_ids", help="Comma-separated need ids in scope.")
@click.option("--all-published", is_flag=True, help="Every published need of the city.")
def create_command(
    city_name: str, title: str, slots: int, need_ids: str | None, all_published: bool
) -> None:
    """Create a mission and print its id."""
    if bool(need_ids) == all_published:
        raise click.ClickException("Give either --needs ID,ID,… or --all-published.")
    city = _find_city(city_name)
    if all_published:
        needs = list(
            db.session.scalars(
                sa.select(Need)
                .where(
                    Need.city_id == city.id,
                    Need.is_current,
                    Need.status == NeedStatus.PUBLISHED,
                )
                .order_by(Need.id)
            )
        )
    else:
        try:
            ids = [int(part) for part in need_ids.split(",") if part.strip()]
        except ValueError as error:
            raise click.ClickException("--needs takes comma-separated numbers.") from error
        needs = list(db.session.scalars(sa.select(Need).where(Need.id.in_(ids))))
        missing = set(ids) - {need.id for need in needs}
        if missing:
            raise click.ClickException(f"Unknown need ids: {sorted(missing)}.")
    if not needs:
        raise click.ClickException("The mission needs at least one need in scope.")
    try:
        mission = create_mission(
            {"city_id": city.id, "title": title.strip(), "slots": slots},
            needs,
            None,
            source="cli",
        )
    except MissionError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(mission.id)


@missions_group.command("list")
def list_command() -> None:
    """List missions."""
    missions = db.session.scalars(sa.select(Mission).order_by(Mission.id)).all()
    if not missions:
        click.echo("No missions.")
    for mission in missions:
        dates = mission.start_date.isoformat() if mission.start_date else "no dates"
        click.echo(
            f"{mission.id:>4}  {mission.city.name_en:<10} {mission.status:<16} {dates:<10}"
            f"  {len(mission.needs)} needs  {mission.title}"
        )


@missions_group.command("shortlist")
@click.argument("mission_id", type=int)
@click.option("--slots", type=click.IntRange(1, 50), help="Set the mission's company slots first.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", *WRITERS]),
    default="table",
    show_default=True,
)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path))
def shortlist_command(
    mission_id: int, slots: int | None, output_format: str, out_path: Path | None
) -> None:
    """Generate the mission's shortlist (as the web page's button does) and print or write it.

    Pins, exclusions and invitations made by curators are respected; the run is recorded in
    the mission's history.
    """
    mission = db.session.get(Mission, mission_id)
    if mission is None:
        raise click.ClickException(f"There is no mission with id {mission_id}.")
    if output_format in WRITERS and out_path is None:
        raise click.ClickException(f"--format {output_format} needs --out FILE.")
    try:
        if slots is not None and slots != mission.slots:
            update_record(mission, {"slots": slots}, None, source="cli")
        result = generate_shortlist(mission, None, source="cli").shortlist
    except MissionError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    names = {
        company.id: company.name_en or company.name_ja
        for company in _companies([int(entry.company_id) for entry in result.companies])
    }
    if output_format in WRITERS:
        # The files carry the shortlist as the curators last saved it, like the web export;
        # in English, as there is no request to take a language from.
        with force_locale("en"):
            content = WRITERS[output_format].to_bytes(shortlist_sheets(mission, "en"))
        if out_path is None:
            raise click.ClickException(f"--format {output_format} needs --out FILE.")
        out_path.write_bytes(content)
        click.echo(f"Wrote {out_path}")
        return
    document = {
        "mission": mission.id,
        "companies": [
            {
                "company_id": int(entry.company_id),
                "name": names.get(int(entry.company_id), ""),
                "needs": [
                    {"need_id": int(need.need_id), "score": round(need.score, 4)}
                    for need in entry.needs
                ],
            }
            for entry in result.companies
        ],
        "uncovered_needs": [
            int(coverage.need_id) for coverage in result.needs if not coverage.companies
        ],
    }
    if output_format == "json":
        text = json.dumps(document, ensure_ascii=False)
    else:
        lines = [f"Mission {mission.id}: {mission.title} ({len(result.companies)} companies)"]
        for position, company in enumerate(document["companies"], start=1):
            covered = ", ".join(f"{n['need_id']}:{n['score']:.2f}" for n in company["needs"])
            lines.append(f"{position:>3}. {company['name']:<45} {covered}")
        if document["uncovered_needs"]:
            lines.append(f"Needs without a candidate: {document['uncovered_needs']}")
        text = "\n".join(lines)
    if out_path:
        out_path.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Wrote {out_path}")
    else:
        click.echo(text)


def _companies(ids: list[int]) -> list[Company]:
    if not ids:
        return []
    return db.session.scalars(sa.select(Company).where(Company.id.in_(ids))).all()
