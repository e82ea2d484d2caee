"""The warranty decision at the edges of each period (DESIGN §3), and a group's own terms."""

from __future__ import annotations

from datetime import date

import pytest

from servicehub.properties.warranty import DEFAULT_TERMS, Reason, WarrantyTerm, add_months, decide
from tests.scope_tools import api, assert_error

HANDOVER = date(2021, 6, 15)


@pytest.mark.parametrize("component,years", [(t.component, t.years) for t in DEFAULT_TERMS])
def test_covered_through_the_day_before_the_anniversary_and_not_on_it(component, years):
    anniversary = HANDOVER.replace(year=HANDOVER.year + years)
    last = date.fromordinal(anniversary.toordinal() - 1)
    assert decide(HANDOVER, component, HANDOVER, DEFAULT_TERMS) == {
        "in_warranty": True, "component": component, "until": last, "reason": Reason.in_warranty}
    assert decide(HANDOVER, component, last, DEFAULT_TERMS)["in_warranty"] is True
    out = decide(HANDOVER, component, anniversary, DEFAULT_TERMS)
    assert out == {"in_warranty": False, "component": component, "until": last, "reason": Reason.expired}


def test_a_29_february_handover_runs_to_27_february_of_a_common_year():
    leap = date(2024, 2, 29)
    assert add_months(leap, 24) == date(2026, 2, 28)
    assert decide(leap, "electrical", date(2026, 2, 27), DEFAULT_TERMS)["in_warranty"] is True
    assert decide(leap, "electrical", date(2026, 2, 28), DEFAULT_TERMS)["in_warranty"] is False
    assert decide(leap, "electrical", date(2026, 2, 27), DEFAULT_TERMS)["until"] == date(2026, 2, 27)
    # Four years on, 29 February exists again: covered through the 28th.
    assert decide(leap, "waterproofing", date(2029, 2, 27), DEFAULT_TERMS)["in_warranty"] is True
    assert decide(leap, "waterproofing", date(2029, 2, 28), DEFAULT_TERMS)["in_warranty"] is False


def test_a_unit_not_handed_over_is_the_developers_so_the_repair_is_free():
    assert decide(None, "plumbing", date(2030, 1, 1), DEFAULT_TERMS) == {
        "in_warranty": True, "component": "plumbing", "until": None, "reason": Reason.not_handed_over}
    # Reported before its handover date: not handed over yet either.
    assert decide(HANDOVER, "plumbing", date(2021, 6, 14), DEFAULT_TERMS)["reason"] == Reason.not_handed_over


def test_terms_in_months_and_an_unknown_component():
    terms = (WarrantyTerm("decoration", "装修", months=18),)
    assert decide(HANDOVER, "decoration", date(2022, 12, 14), terms)["in_warranty"] is True
    assert decide(HANDOVER, "decoration", date(2022, 12, 15), terms)["in_warranty"] is False
    with pytest.raises(ValueError):
        decide(HANDOVER, "electrical", HANDOVER, terms)


def test_the_group_reads_and_sets_its_terms(client, world):
    read = client.get(api("/warranty-terms"), headers=world.headers("pa1"))
    assert read.status_code == 200
    terms = {t["component"]: t for t in read.get_json()}
    assert terms["waterproofing"] == {"component": "waterproofing", "label": "屋面、卫生间、外墙防水", "years": 5,
                                      "months": 60, "source": "default"}
    body = {"terms": [{"component": "decoration", "months": 18}, {"component": "waterproofing", "years": 8,
                                                                   "label": "防水（集团标准）"}]}
    assert_error(client.put(api("/warranty-terms"), headers=world.headers("pm1"), json=body), 403)
    assert_error(client.put(api("/warranty-terms"), headers=world.headers("hq_crm"),
                            json={"terms": [{"component": "decoration", "months": 18, "years": 1}]}), 422)
    assert_error(client.put(api("/warranty-terms"), headers=world.headers("hq_crm"),
                            json={"terms": [{"component": "decoration", "months": 18}] * 2}), 422)
    put = client.put(api("/warranty-terms"), headers=world.headers("hq_crm"), json=body)
    assert put.status_code == 200, put.get_json()
    terms = {t["component"]: t for t in put.get_json()}
    assert terms["decoration"] == {"component": "decoration", "label": "装修工程", "years": None, "months": 18,
                                   "source": "tenant"}
    assert terms["waterproofing"]["years"] == 8 and terms["waterproofing"]["label"] == "防水（集团标准）"
    assert terms["electrical"]["source"] == "default"
    # Another group keeps the defaults.
    beta = client.get(api("/warranty-terms"), headers=world.headers("pa_b", "beta")).get_json()
    assert {t["source"] for t in beta} == {"default"}
    # Replacing with none restores the defaults.
    put = client.put(api("/warranty-terms"), headers=world.headers("hq_crm"), json={"terms": []})
    assert {t["source"] for t in put.get_json()} == {"default"}
    audit = client.get(api("/audit-log?action=warranty_terms.updated"), headers=world.headers("admin")).get_json()
    assert len(audit) == 2
