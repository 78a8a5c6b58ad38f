"""你好笔记 as staff use it."""
from http import HTTPStatus

from core.testing.factories import login, post


def test_a_note_is_saved_and_listed(client, create_tenant, create_user, enable_plugin):
    street = create_tenant()
    enable_plugin(street, "hello")
    login(client, create_user(street, "tenant_admin"))
    assert post(client, f"/t/{street.slug}/hello/", {"title": "楼道堆物清理"}).status_code == HTTPStatus.SEE_OTHER
    assert "楼道堆物清理" in client.get(f"/t/{street.slug}/hello/").text


def test_a_blank_title_is_refused(client, create_tenant, create_user, enable_plugin):
    street = create_tenant()
    enable_plugin(street, "hello")
    login(client, create_user(street, "tenant_admin"))
    resp = post(client, f"/t/{street.slug}/hello/", {"title": ""}, headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "必填项" in resp.text


def test_the_list_refreshes_alone_and_follows_the_page_size_setting(client, create_tenant, create_user, enable_plugin):
    street = create_tenant()
    enable_plugin(street, "hello")
    login(client, create_user(street, "tenant_admin"))
    for i in range(6):
        post(client, f"/t/{street.slug}/hello/", {"title": f"记录{i}"})
    post(client, f"/t/{street.slug}/admin/modules/hello/settings", {"page_size": "5"})
    fragment = client.get(f"/t/{street.slug}/hello/", headers={"HX-Request": "true", "HX-Target": "notes"}).text
    assert "<h1>" not in fragment and fragment.count("<li>") == 5
