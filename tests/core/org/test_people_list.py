"""The people list tells two people of the same name apart, on a desktop and on a phone (cards)."""
from __future__ import annotations

import pytest

from core.testing.factories import htmx, login
from core.testing.html import select, text_of


@pytest.fixture
def two_zhang_wei(app, client, create_tenant, create_unit, create_user):
    from core.db import db
    from core.org.models import Person
    from core.org.services import save_person
    from core.tenancy import tenant_scope
    street = create_tenant()
    xingfu = create_unit(street, street.root_id, "community", "幸福社区")
    grid = create_unit(street, xingfu.id, "grid", "幸福第一网格", grid_type="residential")
    pingan = create_unit(street, street.root_id, "community", "平安社区")
    with app.app_context(), tenant_scope(street.id):
        save_person(Person(kinds=["resident"]), {"name": "张伟", "org_unit_id": grid.id})
        save_person(Person(kinds=["grid_worker", "party_member"]), {"name": "张伟", "org_unit_id": pingan.id,
                                                                     "party_member": True})
        db.session.commit()
    login(client, create_user(street, "tenant_admin"))
    return street


def cells(html: str, key: str) -> list[str]:
    return [" ".join(td.get_text(" ").split()) for td in select(html, f"#people-rows td.{key}")]


def test_each_row_says_where_the_person_belongs_and_what_they_are(client, two_zhang_wei):
    page = client.get(f"/t/{two_zhang_wei.slug}/people/?q=张伟").text
    assert sorted(cells(page, "where")) == ["平安社区", "幸福社区 · 幸福第一网格"]
    assert sorted(cells(page, "kinds")) == ["居民", "网格员 党员"]
    assert [th.get_text() for th in select(page, "table.cards thead th")] == ["姓名", "所属", "身份", "手机", "五管合一"]


def test_the_rows_swapped_by_search_keep_their_labels_and_bring_no_second_head(client, two_zhang_wei):
    rows = client.get(f"/t/{two_zhang_wei.slug}/people/?q=张伟", headers=htmx(target="people-rows")).text
    assert "<thead" not in rows and "<html" not in rows
    assert {td["data-label"] for td in select(rows, "#people-rows tr[data-person] td")} == \
        {"姓名", "所属", "身份", "手机", "五管合一"}
    assert text_of(rows, "#people-rows td[data-label=所属]")
