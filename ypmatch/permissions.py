"""Who may see and change what: roles plus ownership, in one place."""

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from ypmatch.models import (
    ApprovalStatus,
    Company,
    Mission,
    MissionCompany,
    Need,
    NeedStatus,
    ParticipantState,
    Role,
    User,
    Visibility,
)

LISTED_NEED_STATUSES = (NeedStatus.PUBLISHED, NeedStatus.IN_MISSION)


def roles_required(*roles: str) -> Callable:
    """Views for signed-in users of the given roles; others get 403 (anonymous: login)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from ypmatch.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(Role.CURATOR, Role.ADMIN)


def _is_staff(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def _approved_member(user: User | None) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.role == Role.COMPANY
        and user.company is not None
        and user.company.is_approved
    )


def visible_needs_condition(user: User | None) -> sa.ColumnElement[bool]:
    """The needs a user may see, as a WHERE clause."""
    if _is_staff(user):
        return sa.true()
    listed = Need.status.in_(LISTED_NEED_STATUSES) & Need.is_current
    visibilities = [Visibility.PUBLIC]
    is_city = bool(user and user.is_authenticated and user.role == Role.CITY)
    if is_city or _approved_member(user):
        visibilities.append(Visibility.COMPANIES)
    condition = listed & Need.visibility.in_(visibilities)
    if user and user.is_authenticated and user.role == Role.CITY and user.city_id:
        condition = condition | ((Need.city_id == user.city_id) & Need.is_current)
    return condition


def can_view_need(user: User | None, need: Need) -> bool:
    if _is_staff(user):
        return True
    if need.is_archived:
        return False
    if user and user.is_authenticated and user.role == Role.CITY and user.city_id == need.city_id:
        return True
    if need.status not in LISTED_NEED_STATUSES:
        return False
    if need.visibility == Visibility.PUBLIC:
        return True
    if need.visibility == Visibility.COMPANIES:
        return bool(user and user.is_authenticated and user.role == Role.CITY) or _approved_member(
            user
        )
    return False


def is_for_signed_in_companies(need: Need) -> bool:
    """A published need shown to registered companies: a visitor may sign in to see it."""
    return (
        need.visibility == Visibility.COMPANIES
        and need.status in LISTED_NEED_STATUSES
        and not need.is_archived
    )


def can_see_matches(user: User | None, need: Need) -> bool:
    """The companies fitting a need are for the bureau and the focal point of its city."""
    return _is_staff(user) or bool(
        user and user.is_authenticated and user.role == Role.CITY and user.city_id == need.city_id
    )


def can_edit_need(user: User | None, need: Need) -> bool:
    if _is_staff(user):
        return True
    # A focal point edits its own city's needs until the bureau has published them.
    return bool(
        user
        and user.is_authenticated
        and user.role == Role.CITY
        and user.city_id == need.city_id
        and need.status == NeedStatus.DRAFT
        and not need.is_archived
    )


def can_view_company(user: User | None, company: Company) -> bool:
    if _is_staff(user):
        return True
    if is_member_of(user, company):
        return True
    return company.is_approved and not company.is_archived


def is_member_of(user: User | None, company: Company) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.role == Role.COMPANY
        and user.company_id == company.id
    )


def can_edit_company(user: User | None, company: Company) -> bool:
    if _is_staff(user):
        return True
    return is_member_of(user, company) and company.is_approved and not company.is_archived


def can_edit_company_profile(user: User | None, company: Company) -> bool:
    """The profile itself: a company awaiting review may still fix its own sign-up."""
    if can_edit_company(user, company):
        return True
    return (
        is_member_of(user, company)
        and company.approval_status == ApprovalStatus.PENDING
        and not company.is_archived
    )


def can_set_yport_membership(user: User | None) -> bool:
    """Curators filter and boost on Y-PORT Center membership, so only the bureau sets it."""
    return _is_staff(user)


def _is_focal_point_of(user: User | None, city_id: int) -> bool:
    return bool(
        user and user.is_authenticated and user.role == Role.CITY and user.city_id == city_id
    )


def _invitations_of(company_id: int) -> sa.Select:
    """The missions a company was invited to (a proposal on the shortlist is not an invitation)."""
    return sa.select(MissionCompany.mission_id).where(
        MissionCompany.company_id == company_id,
        MissionCompany.state != ParticipantState.PROPOSED,
        MissionCompany.is_current,
    )


def visible_missions_condition(user: User | None) -> sa.ColumnElement[bool]:
    """The missions a user may see, as a WHERE clause: the bureau all, a focal point its
    city's, an approved company those it was invited to; nobody else any."""
    if _is_staff(user):
        return sa.true()
    if user and user.is_authenticated and user.role == Role.CITY and user.city_id:
        return Mission.city_id == user.city_id
    if _approved_member(user):
        return Mission.id.in_(_invitations_of(user.company_id))
    return sa.false()


def can_view_mission(user: User | None, mission: Mission) -> bool:
    if _is_staff(user) or _is_focal_point_of(user, mission.city_id):
        return True
    if not _approved_member(user):
        return False
    return any(
        row.company_id == user.company_id
        and row.state != ParticipantState.PROPOSED
        and row.archived_at is None
        for row in mission.participants
    )


def sees_mission_shortlist(user: User | None, mission: Mission) -> bool:
    return _is_staff(user) or _is_focal_point_of(user, mission.city_id)


def mission_needs_for(user: User | None, mission: Mission) -> list[Need]:
    """The needs of a mission the user may see; the others are left out, not just hidden."""
    return [need for need in mission.needs if can_view_need(user, need)]


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)
