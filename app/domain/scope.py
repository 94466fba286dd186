"""Who sees which declarations (SPEC §6). The only place that decides it.

Every list, show page, action, export, download and API endpoint filters through `declaration_scope`.
An actor without the organization or authority an audience needs sees nothing.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import String, case, exists, false, literal, literal_column, null, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.models.authority import AuthorityKind
from app.models.declaration import Declaration
from app.models.listing import ListedUnit
from app.models.organization import OrgType
from app.vocabulary import DeclarationStatus


class Audience(enum.StrEnum):
    APPLICANT = "applicant"
    AGENCY = "agency"
    REVIEWER = "reviewer"


def acting_authority(user):
    """The authority a user reviews as: their own, or the one their active organization reviews as (an
    association reviews as its authority row); None for applicants."""
    organization = user.active_organization
    if user.authority is None and organization is not None and organization.reviews_as_id:
        return organization.reviews_as
    return user.authority


@dataclass(frozen=True)
class Actor:
    """The acting user as the rules need it: who they are and for whom they act."""

    user_id: int
    name: str
    organization_id: Optional[int] = None
    org_type: Optional[str] = None
    authority_id: Optional[int] = None
    authority_kind: Optional[AuthorityKind] = None

    @classmethod
    def of(cls, user) -> "Actor":
        organization = user.active_organization
        authority = acting_authority(user)
        return cls(
            user_id=user.id,
            name=user.username,
            organization_id=organization.id if organization else None,
            org_type=organization.org_type if organization else None,
            authority_id=authority.id if authority else None,
            authority_kind=AuthorityKind(authority.kind) if authority else None,
        )


_CHAIN_COLUMN = {
    AuthorityKind.COUNTY: Declaration.county_authority_id,
    AuthorityKind.CITY: Declaration.city_authority_id,
    AuthorityKind.PROVINCE: Declaration.top_authority_id,
    AuthorityKind.GROUP: Declaration.top_authority_id,
    AuthorityKind.ASSOCIATION: Declaration.top_authority_id,
}


def declaration_scope(actor: Actor, audience: Audience) -> ColumnElement[bool]:
    """A WHERE clause selecting the declarations `actor` may see as `audience`."""
    if audience is Audience.APPLICANT:
        if actor.organization_id is None:
            return false()
        return Declaration.organization_id == actor.organization_id
    if audience is Audience.AGENCY:
        if actor.organization_id is None:
            return false()
        return (Declaration.agency_id == actor.organization_id) & (
            Declaration.status != DeclarationStatus.DRAFT
        )
    if audience is Audience.REVIEWER:
        if actor.authority_kind is AuthorityKind.MINISTRY:
            return Declaration.submitted_at.is_not(None)
        column = _CHAIN_COLUMN.get(actor.authority_kind)
        if column is None:
            return false()
        return column == actor.authority_id
    return false()


def listed_unit_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting the listed units (app.models.listing) `actor` may see after the list: an
    organization its own; a reviewer those whose listed declaration's chain passed through its authority, so
    the province (and its cities and counties) that recommended a unit keep it after 发布名单; the ministry
    every one. Agencies see none."""
    if actor.authority_kind is AuthorityKind.MINISTRY:
        return true()
    column = _CHAIN_COLUMN.get(actor.authority_kind)
    if column is not None and actor.authority_id is not None:
        return exists().where(Declaration.id == ListedUnit.declaration_id, column == actor.authority_id)
    if actor.authority_id is None and actor.organization_id is not None and actor.org_type != OrgType.AGENCY:
        return ListedUnit.organization_id == actor.organization_id
    return false()


NATIONAL_SCOPE = 0  # the ministry's scope in the dashboard's summary rows: no authority has id 0


def reviewer_scope_id(actor: Actor) -> Optional[int]:
    """The scope of `actor` as a reviewer, as the summary rows (`app.domain.figures`) are keyed: NATIONAL_SCOPE
    for the ministry, the authority's id where one of its chain columns decides, None for no reviewer scope."""
    if actor.authority_kind is AuthorityKind.MINISTRY:
        return NATIONAL_SCOPE
    if actor.authority_kind in _CHAIN_COLUMN and actor.authority_id is not None:
        return actor.authority_id
    return None


def reviewer_scopes_of_row() -> list[ColumnElement]:
    """The reviewer scopes a declaration row lies in, as `declaration_scope(…, REVIEWER)` decides them: one
    expression per kind of scope, each the scope's id or NULL (the row is not in such a scope)."""
    return [case((Declaration.submitted_at.is_not(None), literal(NATIONAL_SCOPE)), else_=null()),
            Declaration.county_authority_id, Declaration.city_authority_id, Declaration.top_authority_id]


def unindexed(session: Session, column):
    """`column` as SQLite should read it inside a scope: `column + 0` (`column || ''` for text) is the same
    value, but no index offers it. SQLite keeps no statistics here unless ANALYZE runs (see PITFALLS), so it
    guesses, and wrong guesses cost seconds at a million declarations: it walks the country-wide (batch,
    type, status) index instead of a reviewer's own scope index when a batch or type is filtered, or to skip
    the sort of a GROUP BY (the README's performance section has the numbers). PostgreSQL plans from
    statistics, which the expression would only hide, so it gets the column itself."""
    if session.get_bind().dialect.name != "sqlite":
        return column
    return column + literal_column("''" if isinstance(column.type, String) else "0")
