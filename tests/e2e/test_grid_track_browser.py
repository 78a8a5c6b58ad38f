"""On a 390 px phone a resident reports, then follows the report with its 受理编号 and the phone's last 4 digits."""
from __future__ import annotations

from playwright.sync_api import expect

from .conftest import report_as_resident


def test_a_resident_follows_a_report_on_a_phone(page, live_server, street):
    report_as_resident(page, live_server, street[0], "楼道纸箱堆满了")
    ref = page.locator("#report-done strong").inner_text()
    page.click("text=查询办理进度")
    expect(page.locator("#f-ref_no")).to_have_value(ref)  # the number comes along
    page.fill("#f-phone_tail", "0000")
    page.click("#track-form button.primary")
    expect(page.locator(".form-error")).to_contain_text("都相符的反映")
    page.fill("#f-phone_tail", "5678")
    page.click("#track-form button.primary")
    expect(page.locator("#track-result [data-testid=state]")).to_have_text("待受理")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
