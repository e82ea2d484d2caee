"""The group's warranty terms: the seeds' defaults (properties/warranty.py) with the group's overrides."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm, require, require_groupwide, require_tenant
from servicehub.audit.service import record
from servicehub.properties.warranty import DEFAULT_TERMS, WarrantyTerm
from servicehub.warranty.models import WarrantyTermOverride


def terms_for(session: Session, tenant_id: int) -> tuple[WarrantyTerm, ...]:
    """The terms in force for a group: each default, unless the group set its own (one statement)."""
    overrides = {row.component.value: row for row in session.scalars(
        select(WarrantyTermOverride).where(WarrantyTermOverride.tenant_id == tenant_id))}
    terms = []
    for term in DEFAULT_TERMS:
        row = overrides.get(term.component)
        terms.append(term if row is None else WarrantyTerm(term.component, row.label, months=row.months))
    return tuple(terms)


def _shown(terms: tuple[WarrantyTerm, ...]) -> list[dict]:
    defaults = set(DEFAULT_TERMS)
    return [{"component": t.component, "label": t.label, "months": t.period_months,
             "years": t.period_months // 12 if t.period_months % 12 == 0 else None,
             "source": "default" if t in defaults else "tenant"} for t in terms]


def get_terms(session: Session, *, actor: Actor) -> list[dict]:
    require_tenant(actor)
    require(actor, Perm.workorder_read)
    return _shown(terms_for(session, actor.tenant_id))


def put_terms(session: Session, *, actor: Actor, terms: list[dict]) -> list[dict]:
    require_groupwide(actor, Perm.settings_manage, "Warranty terms are set at headquarters.")
    before = _shown(terms_for(session, actor.tenant_id))
    defaults = {t.component: t for t in DEFAULT_TERMS}
    session.execute(delete(WarrantyTermOverride).where(WarrantyTermOverride.tenant_id == actor.tenant_id))
    for item in terms:
        component = item["component"]
        months = item["months"] if "months" in item else item["years"] * 12
        session.add(WarrantyTermOverride(tenant_id=actor.tenant_id, component=component, months=months,
                                         label=item.get("label") or defaults[component.value].label))
    session.flush()
    after = _shown(terms_for(session, actor.tenant_id))
    if after != before:
        record(session, tenant_id=actor.tenant_id, actor=actor, action="warranty_terms.updated",
               target_type="tenant", target_id=actor.tenant_id,
               details={"from": [{k: t[k] for k in ("component", "months", "label")} for t in before],
                        "to": [{k: t[k] for k in ("component", "months", "label")} for t in after]})
    session.commit()
    return after
