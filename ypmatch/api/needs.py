"""City needs: listed for everyone as on the web, written by curators and focal points;
the companies that match a need."""

from sqlalchemy.orm.exc import StaleDataError

from ypmatch.api import schemas, serializers
from ypmatch.api.base import (
    PAGE_PARAMETERS,
    api_locale,
    api_route,
    api_user,
    conflict,
    created,
    get_or_404,
    not_found,
    page_envelope,
    paginate,
    query_parameter,
    require,
    require_user,
)
from ypmatch.api.validation import json_body, query_args, strip_strings
from ypmatch.extensions import db
from ypmatch.matching import Boosts
from ypmatch.models import Need, NeedStatus, Role, User
from ypmatch.permissions import can_edit_need, can_view_need
from ypmatch.services.matching import companies_for_need
from ypmatch.services.needs import NeedFilters, create_need, needs_query, update_need
from ypmatch.services.records import ConflictError

TEXT_FIELDS = ("title_en", "title_ja", "description_en", "description_ja", "timeline")

NEED_LIST_PARAMETERS = [
    *PAGE_PARAMETERS,
    query_parameter("city", schemas.identifier(), "Only needs of this partner city (id)."),
    query_parameter("sector", schemas.identifier(), "Only needs of this sector (id)."),
    query_parameter("status", schemas.enum(NeedStatus), "Only needs in this status."),
    query_parameter("q", schemas.text(200), "Text in the title, description or reference."),
    query_parameter("lang", schemas.enum(["en", "ja"]), "Only needs written in this language."),
    query_parameter(
        "archived", {"type": "boolean", "default": False}, "Curators: archived needs instead."
    ),
]


@api_route(
    "GET",
    "/needs",
    summary="City needs",
    tag="needs",
    description=(
        "Anonymous callers see public published needs; company members and focal points also "
        "see needs shown to registered companies (and focal points their own city's drafts); "
        "curators see everything."
    ),
    parameters=NEED_LIST_PARAMETERS,
    responses={200: ("A page of needs, most recently changed first.", page_envelope(schemas.NEED))},
    errors=(400,),
)
def list_needs():
    args = query_args(NEED_LIST_PARAMETERS)
    user = api_user()
    filters = NeedFilters(
        text=(args.get("q") or "").strip(),
        city_id=args.get("city"),
        sector_id=args.get("sector"),
        status=args.get("status") or "",
        language=args.get("lang") or "",
        archived=bool(args.get("archived")) and user is not None and user.is_staff,
    )
    return paginate(needs_query(user, filters), serializers.need, args)


def _visible_need(need_id: int) -> Need:
    need = get_or_404(Need, need_id, "need")
    if not can_view_need(api_user(), need):
        # Hidden needs look the same as missing ones, as on the web.
        raise not_found("need", need_id)
    return need


@api_route(
    "GET",
    "/needs/{need_id}",
    summary="One need",
    tag="needs",
    responses={200: ("The need.", schemas.NEED)},
    errors=(404,),
)
def get_need(need_id: int):
    return serializers.need(_visible_need(need_id))


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
    values = {key: data[key] for key in (*TEXT_FIELDS, "city_id", "status", "visibility",
              "sector_ids") if key in data}  # fmt: skip
    if "funding" in data:
        values["funding"] = sorted(data["funding"])
    return values


@api_route(
    "POST",
    "/needs",
    summary="Submit a need",
    tag="needs",
    auth="required",
    description=(
        "Curators and city focal points. A focal point submits drafts for its own city and "
        "sets neither status nor visibility."
    ),
    request_body=schemas.NEED_CREATE,
    responses={201: ("The need as saved.", schemas.NEED)},
    errors=(400, 403, 415, 422),
)
def create_need_view():
    user = require_user()
    require(
        user.is_staff or user.role == Role.CITY,
        "Only bureau curators and city focal points submit needs.",
    )
    data = strip_strings(json_body(schemas.NEED_CREATE))
    _check_focal_point(user, data)
    need = create_need(_service_data(data), user, source="api")
    db.session.commit()
    return created(serializers.need(need), f"/api/v1/needs/{need.id}")


@api_route(
    "PATCH",
    "/needs/{need_id}",
    summary="Change a need",
    tag="needs",
    auth="required",
    description=(
        "Send only the fields to change, with the `version` you read. Curators change any "
        "need; a focal point its own city's drafts (not status or visibility)."
    ),
    request_body=schemas.NEED_UPDATE,
    responses={200: ("The need as saved.", schemas.NEED)},
    errors=(400, 403, 404, 409, 415, 422),
)
def update_need_view(need_id: int):
    user = require_user()
    need = _visible_need(need_id)
    require(can_edit_need(user, need), "Your account may not change this need.")
    data = strip_strings(json_body(schemas.NEED_UPDATE))
    _check_focal_point(user, data)
    try:
        update_need(need, _service_data(data), user, expected_version=data["version"], source="api")
    except (ConflictError, StaleDataError):
        db.session.rollback()
        raise conflict(db.session.get(Need, need_id), data["version"], "need") from None
    db.session.commit()
    return serializers.need(need)


MATCH_PARAMETERS = [
    query_parameter(
        "k", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}, "How many."
    ),
    query_parameter(
        "boost_sector", {"type": "boolean", "default": False}, "Favour companies in its sectors."
    ),
    query_parameter(
        "boost_overseas",
        {"type": "boolean", "default": False},
        "Favour companies with experience in the need's country.",
    ),
]


@api_route(
    "GET",
    "/needs/{need_id}/matches",
    summary="Companies that fit a need",
    tag="matches",
    auth="required",
    description=(
        "Curators and the focal point of the need's city. Each company comes with its best "
        "technology, its score and the reasons (shared concepts and terms) behind it. "
        "Labels follow Accept-Language (en or ja)."
    ),
    parameters=MATCH_PARAMETERS,
    responses={200: ("The best companies first.", {"type": "object", "properties": {
        "items": {"type": "array", "items": schemas.COMPANY_MATCH}}, "required": ["items"]})},
    errors=(400, 403, 404),
)  # fmt: skip
def need_matches(need_id: int):
    user = require_user()
    need = _visible_need(need_id)
    require(
        user.is_staff or (user.role == Role.CITY and user.city_id == need.city_id),
        "Only bureau curators and the focal point of the need's city see its matches.",
    )
    args = query_args(MATCH_PARAMETERS)
    boosts = Boosts(sector_overlap=args["boost_sector"], overseas_experience=args["boost_overseas"])
    matches = companies_for_need(need, api_locale(), k=args["k"], boosts=boosts)
    return {
        "items": [
            {
                "company": serializers.named(match.company),
                "score": round(float(match.score), 4),
                "technology": serializers.technology_ref(match.technology),
                "band": match.band,
                "reasons": [serializers.reason(reason) for reason in match.reasons],
                "decision": match.decision.status if match.decision else None,
            }
            for match in matches
        ]
    }
