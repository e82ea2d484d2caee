"""A repair from dispatch to the callback, in the browser (issue 7): the project manager dispatches the
ticket to a contractor under the project's engineer, records the contractor accepting, arriving and
finishing, resolves the ticket; the front desk calls the owner back, who gives 2 for quality: the
ticket reopens and its project manager is told."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from servicehub.categories.models import Category
from servicehub.properties.models import Ownership, Property
from tests.e2e.helpers import demo_session, sign_in, unit_id
from tests.e2e.test_screens import new_ticket, png


def _owner_in_warranty(app) -> tuple[int, int]:
    """An owner of 上海·滨江壹号 whose unit was handed over in 2024 (waterproofing in warranty)."""
    project = unit_id(app, "SH-BJ")
    with demo_session(app) as session:
        return session.execute(
            select(Ownership.customer_id, Ownership.property_id)
            .join(Property, Property.id == Ownership.property_id)
            .where(Ownership.org_unit_id == project, Property.handover_date == date(2024, 9, 30))
            .order_by(Ownership.id).limit(1)).one()


def _category(app, code: str) -> int:
    with demo_session(app) as session:
        return session.scalars(select(Category.id).where(Category.code == code)).one()


def _ok(response_info, status: int = 200):
    response = response_info.value
    assert response.status == status, response.text()
    return response.json()


def test_a_repair_is_dispatched_finished_resolved_and_reopened_by_a_low_callback_score(new_page, live_server,
                                                                                       screenshot, tmp_path):
    app = live_server["app"]
    customer_id, property_id = _owner_in_warranty(app)
    agent = new_page()
    sign_in(agent, "project_agent")
    ticket = new_ticket(agent, app, type="repair", title="卫生间顶棚渗水（端到端）", category_id=_category(app, "leakage"),
                        customer_id=customer_id, property_id=property_id,
                        description="楼上卫生间下水管处渗水，顶棚已有水渍。")
    ticket_url = re.compile(rf"/api/v1/tickets/{ticket['id']}$")

    manager = new_page()
    sign_in(manager, "project_manager")
    manager.goto(f"/tickets/{ticket['id']}")
    expect(manager.locator("[data-test=ticket-heading]")).to_contain_text(ticket["number"])

    # 派工: the waterproofing contractor of the region, under the project's engineer.
    manager.click("[data-test=dispatch-open]")
    dialog = manager.locator("[data-test=dispatch-dialog]")
    expect(dialog.locator("[data-test=dispatch-warranty]")).to_contain_text("保修期内")
    dialog.locator("[data-test=dispatch-contractor]").click()
    manager.locator(".el-popper:visible [data-test=dispatch-contractor-option]", has_text="上海宏达防水工程有限公司").click()
    dialog.locator("[data-test=dispatch-supervisor]").click()
    manager.locator(".el-popper:visible [data-test=dispatch-supervisor-option]", has_text="刘强").click()
    with manager.expect_response(lambda r: r.url.endswith("/api/v1/work-orders") and r.request.method == "POST") as made:
        dialog.locator("[data-test=dispatch-submit]").click()
    work_order = _ok(made, 201)
    assert work_order["in_warranty"] is True and work_order["component"] == "waterproofing"
    status = manager.locator("[data-test=wo-status]")
    expect(status).to_contain_text("已派工")

    moves = f"/api/v1/work-orders/{work_order['id']}/transitions"
    for button, shown in (("wo-accept", "已接单"), ("wo-arrive", "已到场")):
        with manager.expect_response(lambda r: r.url.endswith(moves)) as moved:
            manager.click(f"[data-test={button}]")
        _ok(moved)
        expect(status).to_contain_text(shown)
    # 维修前照片 on site: a photo of the work order, listed with the ticket's attachments at once.
    photo = tmp_path / "维修前.png"
    photo.write_bytes(png())
    with manager.expect_response(lambda r: r.url.endswith("/photos") and r.request.method == "POST") as uploaded:
        manager.set_input_files("[data-test=wo-photo-input-before]", str(photo))
    assert _ok(uploaded, 201)["stage"] == "before"
    expect(manager.locator("[data-test=attachment-photo]")).to_have_count(1)

    manager.click("[data-test=wo-finish]")
    manager.fill("[data-test=wo-finish-result]", "更换卫生间防水层，闭水试验48小时无渗漏。")
    with manager.expect_response(lambda r: r.url.endswith(moves)) as moved:
        manager.click("[data-test=wo-finish-submit]")
    assert _ok(moved)["status"] == "done"
    expect(status).to_contain_text("已完工")
    expect(manager.locator(".el-loading-mask:visible")).to_have_count(0)
    manager.locator("[data-test=wo-status]").scroll_into_view_if_needed()
    screenshot(manager, "work-order-done")

    # 办结: the ticket is resolved; its first callback (回访) is planned for the front desk.
    manager.click("[data-test=move-resolved]")
    manager.fill("[data-test=reason]", "维修完成，业主确认。")
    with manager.expect_response(lambda r: r.url.endswith(f"/api/v1/tickets/{ticket['id']}/transitions")) as resolved:
        manager.click("[data-test=confirm]")
    assert _ok(resolved)["status"] == "resolved"

    # 回访: the owner is reached and gives 2 for quality.
    agent.goto("/callbacks")
    row = agent.locator("[data-test=callbacks-row]", has_text=ticket["number"])
    expect(row).to_be_visible()
    row.click()
    expect(agent).to_have_url(re.compile(r"/callbacks/\d+$"))
    agent.click("[data-test=call-reached]")
    for dimension, score in (("timeliness", 4), ("quality", 2), ("attitude", 5)):
        agent.locator(f"[data-test=call-score-{dimension}] .el-rate__item").nth(score - 1).click()
    expect(agent.locator("[data-test=call-low-score]")).to_be_visible()
    agent.fill("[data-test=call-comment]", "顶棚仍有水渍，对维修质量不满意。")
    screenshot(agent, "callback-call")
    with agent.expect_response(lambda r: r.url.endswith("/complete")) as completed:
        agent.click("[data-test=call-submit]")
    callback = _ok(completed)
    assert callback["status"] == "completed" and callback["satisfaction"] == 2
    expect(agent.locator("[data-test=call-result]")).to_contain_text("重新打开")

    # The ticket is open again, its reopen and the score on the timeline; the manager was told.
    with manager.expect_response(lambda r: bool(ticket_url.search(r.url)) and r.request.method == "GET") as reloaded:
        manager.reload()
    again = _ok(reloaded)
    assert again["status"] not in ("resolved", "closed") and again["reopen_count"] == 1
    assert again["satisfaction"] == 2
    expect(manager.locator("[data-test=ticket-heading]")).to_contain_text(ticket["number"])
    notes = manager.request.get("/api/v1/notifications").json()
    assert any(ticket["number"] in (note["title"] + (note.get("body") or "")) for note in notes), notes


def test_the_region_manager_ranks_the_regions_contractors_and_exports_them(new_page, live_server, screenshot, tmp_path):
    """维修单位考评 of last quarter's repairs (the demo seed has half a year): the table equals the API's
    rows, the ranking chart is drawn, and the Excel file downloads with the same contractors."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from openpyxl import load_workbook

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    quarter = (today.month - 1) // 3  # the last complete quarter
    period = f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4"
    page = new_page()
    sign_in(page, "region_manager")
    with page.expect_response(lambda r: "/api/v1/contractors/scorecard?" in r.url) as answered:
        page.goto(f"/contractors/scorecard?period={period}")
    rows = _ok(answered)["rows"]
    assert rows and all(row["region_name"] == "华东区域公司" for row in rows)
    shown = page.locator("[data-test=scorecard-row]")
    expect(shown).to_have_count(len(rows))
    best = min((row for row in rows if row["rank"] is not None), key=lambda row: row["rank"])
    expect(shown.filter(has_text=best["contractor_name"]).locator("[data-test=avg]")).to_have_text(
        f"{best['avg_satisfaction']:.2f}")
    expect(page.locator("[data-test=scorecard-table]")).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()  # the ranking chart
    screenshot(page, "scorecard")

    with page.expect_download() as downloaded:
        page.click("[data-test=scorecard-export]")
    assert downloaded.value.suggested_filename == f"scorecard-{period}.xlsx"
    path = tmp_path / "scorecard.xlsx"
    downloaded.value.save_as(path)
    sheet = load_workbook(path).active
    names = {cell.value for cell in next(sheet.iter_cols(min_col=2, max_col=2, min_row=2)) if cell.value}
    assert names == {row["contractor_name"] for row in rows}
