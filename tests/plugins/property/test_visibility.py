"""What each side sees: an anonymous reporter is invisible to the company on its pages and in its export
(staff still see who it is, to call back); the transparency page (阳光物业) shows residents the service and
its figures but never an internal note; a district sees each street's coverage, read-only."""
from __future__ import annotations

from core.api import db

from .conftest import act, client_for, in_tenant, report, url


def test_an_anonymous_reporter_is_invisible_to_the_company_and_its_export(app, pw):
    from core.api import Account
    with app.app_context(), in_tenant(pw):
        resident_name = db.session.get(Account, pw.resident.id).display_name
    t = report(app, pw, anonymous="true", contact="13912345678", description="楼上装修噪音扰民")
    named = report(app, pw, contact="13900001111", description="电梯异响")
    provider = client_for(app, pw.provider)
    page = provider.get(url(pw, f"/tickets/{t}")).text
    assert "匿名" in page and resident_name not in page and "13912345678" not in page and "5678" not in page
    other = provider.get(url(pw, f"/tickets/{named}")).text
    assert resident_name in other and "13900001111" not in other  # a named reporter's phone is masked for the company
    export = provider.get(url(pw, "/tickets.xlsx?format=csv"))
    assert export.status_code == 200
    body = export.get_data(as_text=True)
    assert "楼上装修噪音扰民" in body and "匿名" in body
    assert resident_name in body  # the named ticket's reporter …
    lines = [line for line in body.splitlines() if "楼上装修噪音扰民" in line]
    assert lines and resident_name not in lines[0] and "13912345678" not in lines[0]
    staff_page = client_for(app, pw.staff).get(url(pw, f"/tickets/{t}")).text
    assert resident_name in staff_page and "13912345678" in staff_page  # the community can call back
    assert client_for(app, pw.resident).get(url(pw, "/tickets.xlsx")).status_code == 403


def test_the_company_sees_only_its_own_tickets(app, pw):
    mine = report(app, pw, description="阳光花园的报修")
    other = report(app, pw, account=pw.staff, compound=1, channel="phone", description="矿工新村的报修")
    page = client_for(app, pw.provider).get(url(pw, "/tickets")).text
    assert "阳光花园的报修" in page and "矿工新村的报修" not in page
    assert client_for(app, pw.provider).get(url(pw, f"/tickets/{other}")).status_code == 404
    assert client_for(app, pw.other_provider).get(url(pw, f"/tickets/{mine}")).status_code == 404
    assert "矿工新村的报修" in client_for(app, pw.other_provider).get(url(pw, "/tickets")).text


def test_the_transparency_page_shows_the_service_and_never_an_internal_note(app, pw):
    t = report(app, pw)
    act(app, pw, pw.provider, t, "comment", text="住户难缠勿外传", internal="true")
    for step, data in (("accept", {}), ("start", {}), ("complete", {"result": "修好", "photo": "P"})):
        act(app, pw, pw.provider, t, step, **data)
    act(app, pw, pw.resident, t, "rate", rating="good")
    page = client_for(app, pw.resident).get(url(pw, f"/compounds/{pw.compounds[0].id}/sunshine"))
    assert page.status_code == 200
    text = page.text
    assert "阳光物业" in text and "安居物业服务有限公司" in text and "专业物业" in text
    assert "100.0%" in text and "住户难缠勿外传" not in text
    assert client_for(app, pw.resident).get(url(pw, f"/compounds/{pw.compounds[1].id}/sunshine")).status_code == 404


def test_a_district_sees_each_streets_coverage(app, pw, create_tenant, create_unit, create_user, enable_plugin):
    district = create_tenant("district", name="区")
    street = create_tenant("street", parent=district, name="甲街道")
    community = create_unit(street, street.root_id, "community", "甲社区")
    compounds = [create_unit(street, community.id, "compound", n) for n in ("甲一小区", "甲二小区")]
    enable_plugin(district, "property")
    enable_plugin(street, "property")
    from datetime import date

    from core.tenancy import tenant_scope
    from plugins.property.services import coverage, registry
    admin = create_user(street, "tenant_admin")
    with app.app_context(), tenant_scope(street.id, user_id=admin.id):
        from core.api import org_unit
        company = registry.add_company({"name": "甲物业", "uscc": "91340404MA2T00009X", "kind": "market"})
        for c in compounds:
            registry.save_profile(org_unit(c.id), {"households": 100})
        coverage.add_period(org_unit(compounds[0].id), {"mode": "professional", "provider_id": company.id,
                                                        "starts_on": date(2020, 1, 1), "ends_on": None})
    district_admin = create_user(district, "tenant_admin")
    page = client_for(app, district_admin).get(f"/t/{district.slug}/property/rollup")
    assert page.status_code == 200, page.text[:300]
    assert "甲街道" in page.text and "50.0%" in page.text and "甲二小区" in page.text
    assert client_for(app, district_admin).post(f"/t/{district.slug}/property/rollup").status_code in (400, 403, 405)
