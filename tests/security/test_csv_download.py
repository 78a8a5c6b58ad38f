"""CSV downloads name their charset once: a doubled parameter is a malformed header that strict
clients and proxies may refuse or read as another encoding."""
from __future__ import annotations

from http import HTTPStatus

from core.testing.factories import login

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_csv_and_xlsx_downloads_carry_exactly_one_content_type(app, create_tenant, create_user):
    street = create_tenant()
    client = app.test_client()
    login(client, create_user(street, "tenant_admin"))
    for url in (f"/t/{street.slug}/org/export.csv", f"/t/{street.slug}/org/import-template.csv",
                f"/t/{street.slug}/admin/users/import-template.csv"):
        resp = client.get(url)
        assert resp.status_code == HTTPStatus.OK
        assert resp.headers["Content-Type"] == "text/csv; charset=utf-8", url
        assert resp.data.startswith("\ufeff".encode())  # the BOM Excel needs to read UTF-8
    sheet = client.get(f"/t/{street.slug}/org/export.xlsx")
    assert sheet.headers["Content-Type"] == XLSX
