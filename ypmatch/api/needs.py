"""City needs: listed for everyone as on the web, written by curators and focal points;
the companies that match a need."""

import marshmallow as ma
from sqlalchemy.orm.exc import StaleDataError

from ypmatch.api.base import (
    PageArgs,
    RequestBody,
    api_locale,
    api_user,
    body,
    conflict,
    created,
    get_or_404,
    not_found,
    operation,
    page_of,
    paginate,
    picked,
    query,
    require,
    require_user,
    v1,
)
from ypmatch.api.fields import Choice, Flag, QueryId, QueryNumber, Text
from ypmatch.api.schemas import CompanyMatchesSchema, NeedChangeSchema, NeedSchema
from ypmatch.extensions import db
from ypmatch.matching import Boosts
from ypmatch.models import Need, NeedStatus, Role, User
from ypmatch.permissions import can_edit_need, can_see_matches, can_view_need
from ypmatch.services.matches import MATCHES_DEFAULT, MATCHES_MAX, companies_for_need
from ypmatch.services.needs import NeedFilters, create_need, needs_query, update_need
from ypmatch.services.records import ConflictError

NEED_FIELDS = (
    "title_en",
    "title_ja",
    "description_en",
    "description_ja",
    "timeline",
    "city_id",
    "status",
    "visibility",
    "sector_ids",
)


class NeedArgs(PageArgs):
    city = QueryId(metadata={"description": "Only needs of this partner city (id)."})
    sector = QueryId(metadata={"description": "Only needs of this sector (id)."})
    status = Choice(NeedStatus, metadata={"description": "Only needs in this status."})
    q = Text(200, metadata={"description": "Text in the title, description or reference."})
    lang = Choice(["en", "ja"], metadata={"description": "Only needs written in this language."})
    archived = Flag(
        load_default=False, metadata={"description": "Curators: archived needs instead."}
    )


class MatchArgs(ma.Schema):
    k = QueryNumber(
        1, MATCHES_MAX, load_default=MATCHES_DEFAULT, metadata={"description": "How many."}
    )
    boost_sector = Flag(
        load_default=False, metadata={"description": "Favour companies in its sectors."}
    )
    boost_overseas = Flag(
        load_default=False,
        metadata={"description": "Favour companies with experience in the need's country."},
    )


@v1.get("/needs")
@operation("needs")
@query(NeedArgs)
@v1.response(200, page_of(NeedSchema), description="A page of needs, most recently changed first.")
def list_needs(args: dict):
    """City needs

    Anonymous callers see public published needs; company members and focal points also see
    needs shown to registered companies (and focal points their own city's drafts); curators
    see everything.
    """
    user = api_user()
    filters = NeedFilters(
        text=args.get("q") or "",
        city_id=args.get("city"),
        sector_id=args.get("sector"),
        status=args.get("status") or "",
        language=args.get("lang") or "",
        archived=args["archived"] and user is not None and user.is_staff,
    )
    return paginate(needs_query(user, filters), args)


def _visible_need(need_id: int) -> Need:
    need = get_or_404(Need, need_id, "need")
    if not can_view_need(api_user(), need):
        # Hidden needs look the same as missing ones, as on the web.
        raise not_found("need", need_id)
    return need


@v1.get("/needs/<int:need_id>")
@operation("needs")
@v1.response(200, NeedSchema, description="The need.")
def get_need(need_id: int):
    """One need"""
    return _visible_need(need_id)


def _check_focal_point(user: User, data: dict) -> None:
    if user.role != Role.CITY:
        return
    require(
        "status" not in data and "visibility" not in data,
        "A city focal point cannot set status or visibility: the bureau decides what is "
        "published. Leave these fields out.",
    )
    require(
        data.get("city_id", user.city_id) == user.city_id,
        f"A city focal point submits needs for its own city only (city_id {user.city_id}).",
    )


def _service_data(data: dict) -> dict:
    values = picked(data, NEED_FIELDS)
    if "funding" in data:
        values["funding"] = sorted(data["funding"])
    return values


@v1.post("/needs")
@operation("needs", auth="required")
@body(NeedSchema)
@v1.response(201, NeedSchema, description="The need as saved.")
def create_need_view(sent: RequestBody):
    """Submit a need

    Curators and city focal points. A focal point submits drafts for its own city and sets
    neither status nor visibility.
    """
    user = require_user()
    require(
        user.is_staff or user.role == Role.CITY,
        "Only bureau curators and city focal points submit needs.",
    )
    data = sent.load()
    _check_focal_point(user, data)
    need = create_need(_service_data(data), user, source="api")
    db.session.commit()
    return created(need, f"/api/v1/needs/{need.id}")


@v1.patch("/needs/<int:need_id>")
@operation("needs", auth="required")
@body(NeedChangeSchema)
@v1.response(200, NeedSchema, description="The need as saved.")
def update_need_view(sent: RequestBody, need_id: int):
    """Change a need

    Send only the fields to change, with the `version` you read. Curators change any need;
    a focal point its own city's drafts (not status or visibility).
    """
    user = require_user()
    need = _visible_need(need_id)
    require(can_edit_need(user, need), "Your account may not change this need.")
    data = sent.load()
    _check_focal_point(user, data)
    try:
        update_need(need, _service_data(data), user, expected_version=data["version"], source="api")
    except (ConflictError, StaleDataError):
        db.session.rollback()
        raise conflict(db.session.get(Need, need_id), data["version"], "need") from None
    db.session.commit()
    return need


@v1.get("/needs/<int:need_id>/matches")
@operation("matches", auth="required")
@query(MatchArgs)
@v1.response(200, CompanyMatchesSchema, description="The best companies first.")
def need_matches(args: dict, need_id: int):
    """Companies that fit a need

    Curators and the focal point of the need's city. Each company comes with its best
    technology, its score and the reasons (shared concepts and terms) behind it. Labels
    follow Accept-Language (en or ja).
    """
    user = require_user()
    need = _visible_need(need_id)
    require(
        can_see_matches(user, need),
        "Only bureau curators and the focal point of the need's city see its matches.",
    )
    boosts = Boosts(sector_overlap=args["boost_sector"], overseas_experience=args["boost_overseas"])
    matches = companies_for_need(need, api_locale(), k=args["k"], boosts=boosts)
    return {
        "items": [
            {
                "company": match.company,
                "score": round(float(match.score), 4),
                "technology": match.technology,
                "band": match.band,
                "reasons": match.reasons,
                "decision": match.decision.status if match.decision else None,
            }
            for match in matches
        ]
    }
