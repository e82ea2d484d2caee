"""Real browser flows on the demo group (see conftest.py): intake of a phone complaint by a project's
front desk, a major complaint reaching headquarters' escalation inbox and acknowledged there, and a
region manager kept out of another region's ticket. Each test asserts what the user sees; the run
also refreshes docs/screenshots/ (1366×768).

The demo world is seeded once for the module (fresh each run, so titles are unique); the tests only
add their own tickets to it.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from servicehub.customers.models import Customer
from servicehub.escalations.models import Escalation
from servicehub.orgs.models import OrgUnit
from servicehub.tickets.models import Ticket
from tests.e2e.helpers import csrf, demo_session, project_ids, sign_in, unit_id


def test_project_agent_takes_a_phone_complaint(new_page, live_server, screenshot):
    app = live_server["app"]
    with demo_session(app) as session:  # a household of 上海·滨江壹号 with its phone on file
        caller = session.execute(select(Customer.name, Customer.phone).join(OrgUnit, OrgUnit.id == Customer.org_unit_id)
                                 .where(OrgUnit.code == "SH-BJ").order_by(Customer.id).limit(1)).one()
    title = "地下车库B2层顶板渗水"

    page = new_page()
    sign_in(page, "project_agent", screenshot)

    page.goto("/tickets/new")
    phone = page.locator("input[data-test=phone]")
    expect(phone).to_be_focused()
    phone.fill(caller.phone)
    phone.press("Enter")
    expect(page.locator("[data-test=customer]")).to_contain_text(caller.name)
    # The customer file pops up: their unit becomes the ticket's, their latest tickets show.
    expect(page.locator(".el-select[data-test=property]")).to_contain_text("上海·滨江壹号")
    expect(page.locator("[data-test=customer-tickets]")).to_be_visible()

    page.click("[data-test=type-complaint]")
    expect(page.locator("[data-test=type-complaint]")).to_have_class(re.compile("is-active"))
    page.click(".el-select[data-test=category]")
    page.locator(".el-tree[data-test=category]").get_by_text("渗漏", exact=True).click()
    expect(page.locator(".el-select[data-test=category]")).to_contain_text("渗漏")
    page.fill("input[data-test=title]", title)
    page.fill("textarea[data-test=description]", "业主来电反映地下车库B2层顶板渗水，车辆被污染，要求尽快处理。")
    screenshot(page, "intake")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/tickets") and r.request.method == "POST") as created:
        page.click("[data-test=intake-submit]")
    assert created.value.status == 201, created.value.text()
    ticket = created.value.json()
    expect(page.locator("[data-test=intake-saved]")).to_contain_text(ticket["number"])

    page.goto("/tickets")
    row = page.locator("[data-test=ticket-table] .el-table__row", has_text=title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(ticket["number"])
    expect(row).to_contain_text("投诉")

    row.click()
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket['id']}$"))
    heading = page.locator("[data-test=ticket-heading]")
    expect(heading).to_have_text(f"{ticket['number']} · {title}")
    expect(page.locator(".el-descriptions")).to_contain_text(caller.name)
    expect(page.locator(".el-descriptions")).to_contain_text("渗漏")
    expect(page.locator(".el-descriptions")).to_contain_text("上海·滨江壹号")
    screenshot(page, "ticket")


def test_hq_acknowledges_the_escalation_of_a_major_complaint(new_page, live_server, screenshot):
    app = live_server["app"]
    title = "5号楼多户业主联名投诉外墙渗水"

    # The project's front desk logs a major complaint through the API, as the browser would.
    agent = new_page()
    sign_in(agent, "project_agent")
    response = agent.request.post("/api/v1/tickets", headers=csrf(agent), data={
        "type": "complaint", "channel": "walk_in", "org_unit_id": unit_id(app, "SH-BJ"), "priority": "urgent",
        "title": title, "description": "6户业主联名来访，反映暴雨后外墙渗水，要求给出整改方案。",
        "is_major": True, "households_affected": 6})
    assert response.status == 201, response.text()
    ticket = response.json()
    with demo_session(app) as session:  # jobs run in-process: the rules have run by now
        assert session.scalars(select(Escalation.to_level).where(Escalation.ticket_id == ticket["id"])).all() == ["hq"]

    page = new_page()
    sign_in(page, "hq_crm")
    page.goto("/tickets")
    # Headquarters sees every project's tickets, the new major complaint among them.
    expect(page.locator("[data-test=ticket-table] .el-table__row", has_text=ticket["number"])).to_contain_text("重大")
    screenshot(page, "tickets")

    page.click(".el-menu-item:has-text('升级待办')")
    expect(page).to_have_url(re.compile(r"/escalations$"))
    row = page.locator("[data-test=escalation-table] .el-table__row", has_text=ticket["number"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text(title)
    expect(row).to_contain_text("重大投诉")
    expect(row).to_contain_text("项目 → 集团")
    screenshot(page, "escalations")

    with page.expect_response(lambda r: "/acknowledge" in r.url) as acked:
        row.locator("[data-test=acknowledge]").click()
    assert acked.value.status == 200, acked.value.text()
    expect(page.locator(".el-message--success")).to_contain_text("已确认")
    expect(row).to_have_count(0)  # no longer pending

    page.locator(".el-tabs__item", has_text="全部").click()
    row = page.locator("[data-test=escalation-table] .el-table__row", has_text=ticket["number"])
    expect(row.locator("[data-test=acknowledged]")).to_have_text("已确认")
    expect(row.locator("[data-test=acknowledge]")).to_have_count(0)
    page.reload()  # it stays acknowledged
    page.locator(".el-tabs__item", has_text="全部").click()
    expect(row.locator("[data-test=acknowledged]")).to_have_text("已确认")


def test_region_manager_cannot_open_a_ticket_of_another_region(new_page, live_server):
    app = live_server["app"]
    with demo_session(app) as session:
        south = session.scalars(select(Ticket).where(Ticket.org_unit_id.in_(project_ids(app, "SOUTH")))
                                .order_by(Ticket.id).limit(1)).one()
        east = session.scalars(select(Ticket).where(Ticket.org_unit_id.in_(project_ids(app, "EAST")))
                               .order_by(Ticket.id).limit(1)).one()

    page = new_page()
    sign_in(page, "region_manager")
    # Their own region's ticket opens…
    page.goto(f"/tickets/{east.id}")
    expect(page.locator("[data-test=ticket-heading]")).to_have_text(f"{east.number} · {east.title}")
    # …another region's, typed into the address bar, does not: not found, and nothing of it shows.
    page.goto(f"/tickets/{south.id}")
    expect(page.locator("[data-test=not-found]")).to_be_visible()
    expect(page.locator("[data-test=not-found]")).to_contain_text("页面不存在")
    expect(page.locator("[data-test=ticket-heading]")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(south.title)
    expect(page.locator("body")).not_to_contain_text(south.number)
