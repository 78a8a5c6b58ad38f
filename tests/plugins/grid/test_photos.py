"""Photos from phones: checked by content, re-encoded without EXIF, thumbnailed, never cached."""
from __future__ import annotations

import io
import re
from http import HTTPStatus

import pytest
from PIL import Image

from core.testing.factories import post
from core.testing.html import select

from .conftest import client_for, report


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (1200, 900), "green")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (31.0, 0.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def heic() -> bytes:
    from pillow_heif import register_heif_opener
    register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "blue").save(out, format="HEIF")
    return out.getvalue()


@pytest.fixture
def event(app, gw):
    return report(app, gw)


def photo_link(card: str) -> str:
    """Where the card's first photo opens: the full-size photo, its thumbnail inside the link."""
    url = select(card, 'a[href*="/grid/photos/"]')[0]["href"]
    assert re.fullmatch(r"/t/[^/]+/grid/photos/\d+", url), url
    return url


def upload(app, gw, event, data: bytes, name: str, kind="before"):
    c = client_for(app, gw.worker)
    return c, post(c, f"/t/{gw.street.slug}/grid/{event}/photos", {"photo": (io.BytesIO(data), name), "kind": kind},
                   content_type="multipart/form-data", headers={"HX-Request": "true"})


def test_a_phone_photo_is_stored_without_its_exif(app, gw, event):
    assert b"PhoneMaker" in jpeg_with_location()
    c, resp = upload(app, gw, event, jpeg_with_location(), "IMG_0001.JPG")
    assert resp.status_code == HTTPStatus.OK
    photo_url = photo_link(resp.text)
    full = c.get(photo_url)
    assert full.mimetype == "image/jpeg" and "no-store" in full.headers["Cache-Control"]
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    stored = Image.open(io.BytesIO(full.data))
    assert not stored.getexif() and b"PhoneMaker" not in full.data
    thumb = Image.open(io.BytesIO(c.get(photo_url + "/thumb").data))
    assert max(thumb.size) == 320


def test_an_iphone_heic_photo_is_accepted(app, gw, event):
    _c, resp = upload(app, gw, event, heic(), "IMG_0002.HEIC")
    assert resp.status_code == HTTPStatus.OK and "/thumb" in resp.text


@pytest.mark.parametrize("data,name", [(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg"),
                                       (b"<html><script>alert(1)</script></html>", "photo.jpg"),
                                       (b"PK\x03\x04not-an-image", "photo.png")])
def test_anything_but_a_photo_is_refused_whatever_its_name(app, gw, event, data, name):
    _c, resp = upload(app, gw, event, data, name)
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "只能上传照片" in resp.text


def test_a_photo_over_8_mb_is_refused(app, gw, event):
    _c, resp = upload(app, gw, event, b"\xff\xd8" + b"0" * (8 * 1024 * 1024 + 10), "big.jpg")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "8 MB" in resp.text


def test_a_resident_can_attach_a_photo_to_a_report(app, gw):
    from core.testing.factories import csrf_token
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = "10.251.0.9"
    resp = c.post(f"/t/{gw.street.slug}/grid/report", content_type="multipart/form-data", data={
        "title": "井盖松动", "description": "路口井盖踩上去会晃", "category_id": gw.categories["UP-ROAD"],
        "address": "路口", "reporter_phone": "13812345678", "csrf_token": csrf_token(c),
        "photo": (io.BytesIO(jpeg_with_location()), "IMG_0003.JPG")})
    assert resp.status_code == HTTPStatus.OK and "受理编号" in resp.text
    bad = c.post(f"/t/{gw.street.slug}/grid/report", content_type="multipart/form-data", data={
        "title": "井盖松动", "description": "又一次", "category_id": gw.categories["UP-ROAD"], "address": "路口",
        "reporter_phone": "13812345678", "csrf_token": csrf_token(c), "photo": (io.BytesIO(b"<svg/>"), "a.svg")})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "只能上传照片" in bad.text
    from sqlalchemy import select as sql_select

    from core.db import db
    from core.tenancy import tenant_scope
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        event_id = db.session.scalar(sql_select(GridEvent.id).where(GridEvent.description == "路口井盖踩上去会晃"))
    page = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/{event_id}")
    assert len(select(page.text, ".photos .thumbs img")) == 1  # the clerk sees the resident's photo


def test_the_event_page_shows_every_photo_and_an_event_without_any_says_so(app, gw, event):
    url = f"/t/{gw.street.slug}/grid/{event}"
    c = client_for(app, gw.worker)
    assert "暂无照片" in c.get(url).text
    upload(app, gw, event, jpeg_with_location(), "before.jpg", kind="before")
    upload(app, gw, event, jpeg_with_location(), "after.jpg", kind="after")
    page = c.get(url).text
    assert len(select(page, ".photos .thumbs img")) == 2 and "暂无照片" not in page


def test_another_grids_worker_cannot_see_the_photo(app, gw, event, create_user):
    _c, resp = upload(app, gw, event, jpeg_with_location(), "IMG.JPG")
    url = photo_link(resp.text)
    outsider = client_for(app, create_user(gw.street, "grid_worker", unit_id=gw.other_grid.id))
    assert outsider.get(url).status_code == HTTPStatus.NOT_FOUND
