"""Real browser flows through the screens around the tickets, on the demo group (see conftest.py):
headquarters' dashboard and its click-through, the org-unit switcher, the customer file with its
masked personal data, group-complaint alerts and the notification list behind the bell, assignment
and a photo on the ticket page, the administration of the org tree and of users, and a tablet in
portrait. Each test asserts what the user sees; the run refreshes docs/screenshots/.
"""

from __future__ import annotations

import json
import re
import struct
import zlib

from playwright.sync_api import expect
from sqlalchemy import select

from servicehub.categories.models import Category
from servicehub.customers.models import Customer
from servicehub.orgs.models import OrgUnit
from servicehub.properties.models import Ownership, Property
from tests.e2e.conftest import TABLET
from tests.e2e.helpers import csrf, demo_session, project_ids, sign_in, unit_id


def total(response) -> int:
    """The row count of a list answer (its X-Pagination header)."""
    assert response.status == 200, response.text()
    return json.loads(response.headers["x-pagination"])["total"]


def new_ticket(page, app, **fields) -> dict:
    """Log a ticket through the API as the signed-in user of `page` (what the intake form sends)."""
    body = {"type": "complaint", "channel": "phone", "org_unit_id": unit_id(app, "SH-BJ"),
            "description": "业主来电反映问题，要求尽快处理。", **fields}
    response = page.request.post("/api/v1/tickets", headers=csrf(page), data=body)
    assert response.status == 201, response.text()
    return response.json()


def png(width: int = 64, height: int = 48) -> bytes:
    """A small real PNG (a blue rectangle): the API reads the type from the bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x30\x70\xd0" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pick_in_tree_select(page, select, label: str) -> None:
    """Open an Element Plus tree-select and click the node with this label."""
    select.click()
    page.locator(".el-popper:visible .el-tree-node__content", has_text=label).first.click()


def test_hq_dashboard_shows_the_group_and_clicks_through_to_the_overdue_tickets(new_page, screenshot):
    page = new_page()
    sign_in(page, "hq_crm")
    expect(page).to_have_url(re.compile(r"/dashboard"))  # a manager's home
    overdue = total(page.request.get("/api/v1/tickets?overdue=true&page_size=1"))
    created = page.request.get("/api/v1/reports/overview").json()["totals"]["created"]
    assert created > 0  # the demo group has two months of tickets

    card = page.locator("[data-test=kpi-overdue]")
    expect(card.locator("[data-test=kpi-value]")).to_have_text(str(overdue))
    expect(page.locator("[data-test=kpi-created] [data-test=kpi-value]")).to_have_text(str(created))
    for chart in ("type", "status", "trend", "projects", "sla"):
        expect(page.locator(f"[data-test=chart-{chart}] canvas").first).to_be_visible()
    screenshot(page, "dashboard")

    card.click()
    expect(page).to_have_url(re.compile(r"/tickets\?.*overdue=true"))
    expect(page.locator("[data-test=ticket-table] .el-table__row")).to_have_count(min(overdue, 20))


def test_the_org_unit_switcher_narrows_hq_to_one_region(new_page, live_server):
    app = live_server["app"]
    with demo_session(app) as session:
        south = set(session.scalars(select(OrgUnit.name).where(OrgUnit.id.in_(project_ids(app, "SOUTH")))))

    page = new_page()
    sign_in(page, "hq_crm")
    page.goto("/tickets")
    rows = page.locator("[data-test=ticket-table] .el-table__row")
    expect(rows.first).to_be_visible()
    with page.expect_response(lambda r: "/api/v1/tickets?" in r.url and f"org_unit_id={unit_id(app, 'SOUTH')}" in r.url):
        pick_in_tree_select(page, page.locator(".el-select[data-test=scope-switcher]"), "华南区域公司")
    expect(rows.first).to_be_visible()
    projects = {rows.nth(i).locator("td").nth(4).inner_text().strip() for i in range(rows.count())}
    assert projects and projects <= south, projects
    page.reload()  # the choice is kept
    expect(page.locator(".el-select[data-test=scope-switcher]")).to_contain_text("华南区域公司")


def test_front_desk_opens_a_customer_file_with_masked_personal_data(new_page, live_server, screenshot):
    app = live_server["app"]
    with demo_session(app) as session:  # an owner of 上海·滨江壹号
        owner = session.execute(
            select(Customer.id, Customer.name, Customer.phone, Property.building, Property.unit, Property.room)
            .join(Ownership, Ownership.customer_id == Customer.id).join(Property, Property.id == Ownership.property_id)
            .join(OrgUnit, OrgUnit.id == Property.org_unit_id).where(OrgUnit.code == "SH-BJ")
            .order_by(Customer.id).limit(1)).one()
    masked = f"{owner.phone[:3]}****{owner.phone[-4:]}"

    page = new_page()
    sign_in(page, "project_agent")
    page.click(".el-menu-item:has-text('一户一档')")
    search = page.locator("input[data-test=customer-q]")
    search.fill(owner.phone[-4:])
    search.press("Enter")
    row = page.locator("[data-test=customer-table] .el-table__row", has_text=owner.name)
    expect(row).to_contain_text(masked)
    expect(page.locator("[data-test=customer-table]")).not_to_contain_text(owner.phone)
    row.click()

    expect(page).to_have_url(re.compile(rf"/customers/{owner.id}$"))
    expect(page.locator("[data-test=customer-heading]")).to_contain_text(owner.name)
    profile = page.locator("[data-test=customer-profile]")
    phone = profile.locator("[data-test=phone]")
    expect(phone.locator("[data-test=pii-value]")).to_have_text(masked)  # masked on screen until asked
    expect(page.locator("[data-test=holdings-table]")).to_contain_text(owner.room)
    expect(page.locator("[data-test=customer-timeline]")).to_be_visible()
    screenshot(page, "customer")
    phone.locator("[data-test=pii-toggle]").click()
    expect(phone.locator("[data-test=pii-value]")).to_have_text(owner.phone)
    phone.locator("[data-test=pii-toggle]").click()
    expect(phone.locator("[data-test=pii-value]")).to_have_text(masked)

    # A read-only role sees the file but never the number, and is told why.
    viewer = new_page()
    sign_in(viewer, "viewer")
    viewer.goto(f"/customers/{owner.id}")
    viewer_phone = viewer.locator("[data-test=customer-profile] [data-test=phone]")
    expect(viewer_phone.locator("[data-test=pii-value]")).to_have_text(masked)
    expect(viewer_phone.locator("[data-test=pii-locked]")).to_be_visible()
    expect(viewer_phone.locator("[data-test=pii-toggle]")).to_have_count(0)
    expect(viewer.locator("body")).not_to_contain_text(owner.phone)


def test_hq_sees_a_group_complaint_alert_and_its_notification(new_page, live_server, screenshot):
    app = live_server["app"]
    with demo_session(app) as session:
        # A category no demo ticket uses, so the cluster is exactly these three.
        category = session.scalars(select(Category.id).where(Category.code == "cleaning_greening")).one()
    agent = new_page()
    sign_in(agent, "project_agent")
    numbers = [new_ticket(agent, app, title=f"小区绿化带长期无人修剪、垃圾堆积（第{n}户）", category_id=category)["number"]
               for n in range(1, 4)]  # three households within the week: a group complaint

    page = new_page()
    sign_in(page, "hq_crm")
    bell = page.locator("[data-test=bell]")
    expect(bell.locator(".el-badge__content")).to_be_visible()
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    notice = page.locator("[data-test=notification]", has_text="群诉")
    expect(notice.first).to_be_visible()
    screenshot(page, "notifications")

    page.click(".el-menu-item:has-text('群诉预警')")
    row = page.locator("[data-test=alert-table] .el-table__row", has_text="清洁绿化")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("上海·滨江壹号")
    screenshot(page, "alerts")
    row.locator("[data-test=alert-tickets]").click()
    expect(page).to_have_url(re.compile(r"/tickets\?"))
    table = page.locator("[data-test=ticket-table]")
    for number in numbers:
        expect(table).to_contain_text(number)

    page.go_back()
    row = page.locator("[data-test=alert-table] .el-table__row", has_text="清洁绿化")
    with page.expect_response(lambda r: "/acknowledge" in r.url) as acked:
        row.locator("[data-test=acknowledge-alert]").click()
    assert acked.value.status == 200, acked.value.text()
    expect(page.locator(".el-message--success")).to_be_visible()


def test_manager_assigns_a_new_ticket_and_attaches_a_photo(new_page, live_server, screenshot, tmp_path):
    app = live_server["app"]
    agent = new_page()
    sign_in(agent, "project_agent")
    ticket = new_ticket(agent, app, type="repair", title="卫生间地漏返水", priority="high")
    photo = tmp_path / "地漏返水.png"
    photo.write_bytes(png())

    page = new_page()
    sign_in(page, "project_manager")
    page.goto(f"/tickets/{ticket['id']}")
    expect(page.locator("[data-test=ticket-heading]")).to_contain_text(ticket["number"])
    page.click("[data-test=assign]")
    dialog = page.locator("[data-test=assign-dialog]")
    candidate = dialog.locator("[data-test=assignee-candidate]", has_text="李娜")
    expect(candidate).to_be_visible()
    candidate.click()
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/tickets/{ticket['id']}") and r.request.method == "PATCH") as saved:
        dialog.locator("[data-test=assign-confirm]").click()
    assert saved.value.status == 200, saved.value.text()
    assert saved.value.json()["assignee_id"] is not None and saved.value.json()["status"] == "assigned"
    expect(page.locator(".el-descriptions")).to_contain_text("李娜")

    with page.expect_response(lambda r: r.url.endswith("/attachments") and r.request.method == "POST") as uploaded:
        page.set_input_files("[data-test=attachment-input]", str(photo))
    assert uploaded.value.status == 201, uploaded.value.text()
    thumb = page.locator("[data-test=attachment-photo]")
    expect(thumb).to_have_count(1)
    expect(thumb.locator("img")).to_be_visible()
    screenshot(page, "ticket-assigned")
    thumb.locator("img").click()
    expect(page.locator(".el-image-viewer__wrapper")).to_be_visible()


def test_tenant_admin_opens_a_project_and_gives_it_a_front_desk(new_page, screenshot):
    page = new_page()
    sign_in(page, "admin")
    expect(page).to_have_url(re.compile(r"/admin/org-units"))  # the tenant admin's home
    tree = page.locator("[data-test=org-tree]")
    tree.get_by_text("华东区域公司", exact=True).click()
    page.click("[data-test=org-create]")
    dialog = page.locator("[data-test=org-unit-dialog]")
    dialog.locator("input[data-test=org-unit-name]").fill("南京·玄武府")
    dialog.locator("input[data-test=org-unit-code]").fill("NJ-XW")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/org-units") and r.request.method == "POST") as created:
        dialog.locator("[data-test=org-unit-submit]").click()
    assert created.value.status == 201, created.value.text()
    expect(tree.get_by_text("南京·玄武府", exact=True)).to_be_visible()
    screenshot(page, "admin-org")

    page.locator("[data-test=admin-tabs]").get_by_text("用户与授权").click()
    page.click("[data-test=user-new]")
    form = page.locator("[data-test=user-create-dialog]")
    form.locator("input[data-test=user-username]").fill("nj_agent")
    form.locator("input[data-test=user-password]").fill("Nanjing@2026")
    form.locator("input[data-test=user-create-name]").fill("吴静")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/users") and r.request.method == "POST") as made:
        form.locator("[data-test=user-submit]").click()
    assert made.value.status == 201, made.value.text()
    drawer = page.locator("[data-test=user-drawer]")
    expect(drawer).to_be_visible()
    pick_in_tree_select(page, drawer.locator(".el-select[data-test=membership-unit]"), "南京·玄武府")
    drawer.locator("[data-test=membership-role]").click()
    page.locator(".el-select-dropdown:visible [data-test=role-option-project_agent]").click()
    with page.expect_response(lambda r: r.url.endswith("/memberships") and r.request.method == "POST") as granted:
        drawer.locator("[data-test=membership-add]").click()
    assert granted.value.status == 201, granted.value.text()
    expect(drawer.locator("[data-test=membership-table]")).to_contain_text("南京·玄武府")
    expect(drawer.locator("[data-test=membership-table]")).to_contain_text("项目客服")
    screenshot(page, "admin-users")

    # The new front desk signs in to an empty project of its own.
    desk = new_page()
    desk.goto("/login")
    desk.fill("input[name=tenant]", "demo")
    desk.fill("input[name=username]", "nj_agent")
    desk.fill("input[name=password]", "Nanjing@2026")
    desk.click("[data-test=login-submit]")
    expect(desk).to_have_url(re.compile(r"/tickets"))
    expect(desk.locator(".el-empty")).to_be_visible()
    expect(desk.locator(".el-menu-item", has_text="系统管理")).to_have_count(0)


def test_a_tablet_in_portrait_shows_every_screen_without_sideways_scrolling(new_page, live_server, screenshot):
    app = live_server["app"]
    with demo_session(app) as session:
        customer = session.scalars(select(Customer.id).join(OrgUnit, OrgUnit.id == Customer.org_unit_id)
                                   .where(OrgUnit.code == "SH-BJ").order_by(Customer.id).limit(1)).one()
    page = new_page(TABLET)
    sign_in(page, "project_manager")
    ticket = page.request.get(f"/api/v1/tickets?org_unit_id={unit_id(app, 'SH-BJ')}&page_size=1").json()[0]
    for path, ready in (("/dashboard", "[data-test=dashboard]"), ("/tickets", "[data-test=ticket-table]"),
                        (f"/tickets/{ticket['id']}", "[data-test=ticket-heading]"), ("/tickets/new", "input[data-test=phone]"),
                        (f"/customers/{customer}", "[data-test=customer-profile]"), ("/escalations", "[data-test=escalation-table]")):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} scrolls sideways: {width}"
        if path == "/tickets":
            screenshot(page, "tablet-tickets")

    # The side menu folds behind a button.
    expect(page.locator("[data-test=side-menu]")).not_to_be_in_viewport()
    page.click("[data-test=menu-toggle]")
    menu = page.locator("[data-test=side-menu]")
    expect(menu).to_be_in_viewport()
    menu.get_by_text("工单列表").click()
    expect(page).to_have_url(re.compile(r"/tickets$"))
    expect(menu).not_to_be_in_viewport()
