"""Who may do what where.

Roles map to permission sets in ONE table (`ROLE_PERMISSIONS`). A membership grants its role's
permissions on its org unit and on everything below it. The `Actor` of a request is resolved once
(tenant, memberships, reachable units per permission) and handed to the service layer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property


class Role(str, enum.Enum):
    tenant_admin = "tenant_admin"
    hq_crm = "hq_crm"
    region_manager = "region_manager"
    region_agent = "region_agent"
    project_manager = "project_manager"
    project_agent = "project_agent"
    engineer = "engineer"
    viewer = "viewer"


class Perm(str, enum.Enum):
    org_read = "org.read"
    org_manage = "org.manage"
    user_read = "user.read"
    user_manage = "user.manage"
    audit_read = "audit.read"
    settings_manage = "settings.manage"
    customer_read = "customer.read"
    customer_write = "customer.write"
    customer_pii = "customer.pii"
    ticket_read = "ticket.read"
    ticket_write = "ticket.write"
    ticket_assign = "ticket.assign"
    ticket_close = "ticket.close"
    ticket_escalate = "ticket.escalate"
    escalation_handle = "escalation.handle"
    workorder_read = "workorder.read"
    workorder_dispatch = "workorder.dispatch"
    contractor_read = "contractor.read"
    contractor_manage = "contractor.manage"
    callback_work = "callback.work"
    survey_manage = "survey.manage"
    report_read = "report.read"


P = Perm
_SERVICE_READ = {P.org_read, P.customer_read, P.ticket_read, P.workorder_read, P.contractor_read}
_FRONT_DESK = _SERVICE_READ | {P.customer_write, P.customer_pii, P.ticket_write, P.callback_work}
_MANAGER = _FRONT_DESK | {
    P.user_read, P.user_manage, P.ticket_assign, P.ticket_close, P.ticket_escalate,
    P.escalation_handle, P.workorder_dispatch, P.report_read,
}

# DESIGN §6: the role catalogue.
ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.tenant_admin: frozenset({P.org_read, P.org_manage, P.user_read, P.user_manage, P.audit_read, P.settings_manage}),
    Role.hq_crm: frozenset(
        _MANAGER - {P.user_manage} | {P.settings_manage, P.contractor_manage, P.survey_manage}
    ),
    # A region manager manages the contractors of their region (contractor.manage reaches its units).
    Role.region_manager: frozenset(_MANAGER | {P.contractor_manage}),
    Role.region_agent: frozenset(_FRONT_DESK | {P.report_read}),
    Role.project_manager: frozenset(_MANAGER),
    Role.project_agent: frozenset(_FRONT_DESK),
    Role.engineer: frozenset({P.org_read, P.ticket_read, P.ticket_write, P.workorder_read}),
    Role.viewer: frozenset(_SERVICE_READ | {P.report_read}),
}

# Roles that reach tickets only where they are assigned to the caller or to the caller's function
# (DESIGN §6: an engineer works "the tickets assigned to them or to their function").
ASSIGNED_ONLY_ROLES = frozenset({Role.engineer})

# The org-unit kinds at which a role may be held (None: any kind).
ROLE_KINDS: dict[Role, frozenset[str] | None] = {
    Role.tenant_admin: frozenset({"hq"}),
    Role.hq_crm: frozenset({"hq"}),
    Role.region_manager: frozenset({"region"}),
    Role.region_agent: frozenset({"region"}),
    Role.project_manager: frozenset({"project"}),
    Role.project_agent: frozenset({"project"}),
    Role.engineer: frozenset({"project"}),
    Role.viewer: None,
}


def role_fits_kind(role: Role, kind: str) -> bool:
    kinds = ROLE_KINDS[role]
    return kinds is None or kind in kinds


@dataclass(frozen=True)
class UnitRef:
    id: int
    parent_id: int | None
    kind: str
    path: str
    name: str
    is_active: bool


@dataclass(frozen=True)
class Grant:
    """One membership as the access layer sees it."""

    org_unit_id: int
    role: Role
    function: str | None


@dataclass
class Actor:
    """The caller of a request: a tenant user, or a platform admin (tenant_id None)."""

    kind: str  # "user" | "platform"
    id: int
    name: str
    tenant_id: int | None
    grants: list[Grant] = field(default_factory=list)
    units: dict[int, UnitRef] = field(default_factory=dict)
    ip: str | None = None

    @property
    def is_platform(self) -> bool:
        return self.kind == "platform"

    def subtree(self, unit_id: int) -> set[int]:
        """`unit_id` and every unit below it (nothing for a unit not in the caller's tenant)."""
        root = self.units.get(unit_id)
        if root is None:
            return set()
        return {u.id for u in self.units.values() if u.path.startswith(root.path)}

    @cached_property
    def _reach_by_perm(self) -> dict[Perm, frozenset[int]]:
        reach: dict[Perm, set[int]] = {}
        for grant in self.grants:
            subtree = self.subtree(grant.org_unit_id)
            for perm in ROLE_PERMISSIONS[grant.role]:
                reach.setdefault(perm, set()).update(subtree)
        return {perm: frozenset(ids) for perm, ids in reach.items()}

    @cached_property
    def _full_reach_by_perm(self) -> dict[Perm, frozenset[int]]:
        reach: dict[Perm, set[int]] = {}
        for grant in self.grants:
            if grant.role in ASSIGNED_ONLY_ROLES:
                continue
            subtree = self.subtree(grant.org_unit_id)
            for perm in ROLE_PERMISSIONS[grant.role]:
                reach.setdefault(perm, set()).update(subtree)
        return {perm: frozenset(ids) for perm, ids in reach.items()}

    def full_reach(self, perm: Perm) -> frozenset[int]:
        """Units where `perm` reaches every row, not only the rows assigned to the caller."""
        return self._full_reach_by_perm.get(perm, frozenset())

    def assigned_reach(self, perm: Perm) -> dict[str | None, frozenset[int]]:
        """Units where `perm` reaches only the rows assigned to the caller's function, by function."""
        full = self.full_reach(perm)
        found: dict[str | None, set[int]] = {}
        for grant in self.grants:
            if grant.role in ASSIGNED_ONLY_ROLES and perm in ROLE_PERMISSIONS[grant.role]:
                found.setdefault(grant.function, set()).update(self.subtree(grant.org_unit_id) - full)
        return {function: frozenset(ids) for function, ids in found.items() if ids}

    @cached_property
    def visible_units(self) -> frozenset[int]:
        """Every unit some membership reaches: the caller may know these exist."""
        ids: set[int] = set()
        for grant in self.grants:
            ids |= self.subtree(grant.org_unit_id)
        return frozenset(ids)

    def reach(self, perm: Perm) -> frozenset[int]:
        return self._reach_by_perm.get(perm, frozenset())

    def reaches_everything(self, perm: Perm) -> bool:
        """True when the permission covers the whole tenant (held at the hq)."""
        return len(self.units) > 0 and self.reach(perm) >= frozenset(self.units)

    def has(self, perm: Perm) -> bool:
        return bool(self.reach(perm))

    def can(self, perm: Perm, unit_id: int) -> bool:
        return unit_id in self.reach(perm)

    def permissions_at(self, unit_id: int) -> frozenset[Perm]:
        return frozenset(p for p, ids in self._reach_by_perm.items() if unit_id in ids)


def require(actor: Actor, perm: Perm, unit_id: int | None = None) -> None:
    """Raise Forbidden unless the actor holds `perm` (at `unit_id`, when given)."""
    from servicehub.errors import Forbidden

    allowed = actor.has(perm) if unit_id is None else actor.can(perm, unit_id)
    if not allowed:
        raise Forbidden(f"Missing permission {perm.value}" + ("" if unit_id is None else " for this org unit") + ".")


def require_tenant(actor: Actor) -> None:
    """Raise Forbidden for a platform admin: a group's data and settings are not theirs."""
    from servicehub.errors import Forbidden

    if actor.tenant_id is None:
        raise Forbidden("Platform administrators have no access to a group's data.")


def require_groupwide(actor: Actor, perm: Perm, message: str) -> None:
    """Group-wide settings: `perm` must be held at the hq (reaching every unit), else 403."""
    from servicehub.errors import Forbidden

    require_tenant(actor)
    require(actor, perm)
    if not actor.reaches_everything(perm):
        raise Forbidden(message)
