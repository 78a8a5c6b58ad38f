"""Hostile photos are refused before they cost memory: a broken file or a tiny PNG that declares a
huge picture gets a clear reason (422), and nothing is kept, neither a file nor a row."""
from __future__ import annotations

import io
import re
import struct
import zlib
from http import HTTPStatus
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import csrf_token, login, post


def png_of_zeros(width: int, height: int) -> bytes:
    """A valid 1-bit grayscale PNG of this size: its pixels are compressed zeros, so 20000×20000 is ~50 KB."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    row = b"\0" * (1 + (width + 7) // 8)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 64).convert("RGB").save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def street(app, create_tenant, create_unit, create_user, enable_plugin):
    """A street with one grid, the grid module on, its worker signed in, and one reported event."""
    t = create_tenant()
    community = create_unit(t, t.root_id, "community", "幸福社区")
    grid = create_unit(t, community.id, "grid", "幸福第一网格", grid_type="residential")
    enable_plugin(t, "grid")
    from plugins.grid.models import Category
    with app.app_context(), tenant_scope(t.id, commit=False):
        category = db.session.scalars(select(Category.id).where(Category.code == "SA-GARBAGE")).one()
    worker = app.test_client()
    login(worker, create_user(t, "grid_worker", unit_id=grid.id))
    resp = post(worker, f"/t/{t.slug}/grid/", {"title": "楼道堆放杂物", "category_id": category, "grid_id": grid.id,
                                               "urgency": "NORMAL", "source": "RESIDENT"})
    assert resp.status_code == HTTPStatus.SEE_OTHER, resp.text[:500]
    t.event = int(re.search(r"/grid/(\d+)$", resp.headers["Location"]).group(1))
    t.worker, t.grid, t.category = worker, grid, category
    return t


def upload(street, data: bytes, name: str):
    return post(street.worker, f"/t/{street.slug}/grid/{street.event}/photos",
                {"photo": (io.BytesIO(data), name), "kind": "before"},
                content_type="multipart/form-data", headers={"HX-Request": "true"})


def kept(app, street) -> tuple[int, list[Path]]:
    """Photo rows of the street and files in its upload folder."""
    from plugins.grid.models import Photo
    with app.app_context(), tenant_scope(street.id, commit=False):
        rows = db.session.scalar(select(func.count()).select_from(Photo))
    folder = Path(app.config["INSTANCE_DIR"]) / "uploads" / str(street.id)
    return rows, sorted(folder.glob("*")) if folder.exists() else []


def test_a_truncated_jpeg_is_refused_as_incomplete(app, street):
    whole = jpeg()
    resp = upload(street, whole[: len(whole) // 2], "IMG_0001.JPG")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "照片文件不完整或已损坏" in resp.text
    assert kept(app, street) == (0, [])


@pytest.mark.parametrize("side", [20000, 7700])
def test_a_small_png_declaring_a_huge_picture_is_refused_before_decoding(app, street, side):
    data = png_of_zeros(side, side)
    assert len(data) < 80_000  # tiny on the wire, hundreds of MB once decoded
    resp = upload(street, data, "photo.png")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "照片像素太大（最多 4000 万像素）" in resp.text
    assert kept(app, street) == (0, [])


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_pillows_own_warning_is_a_refusal_where_warnings_are_errors(app, street):
    resp = upload(street, png_of_zeros(10000, 10000), "photo.png")  # 100 MP: Pillow warns, it does not refuse
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "照片像素太大" in resp.text
    assert kept(app, street) == (0, [])


def test_the_pixel_limit_is_a_setting(app, street, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_PIXELS", 1_000_000)
    refused = upload(street, jpeg(1200, 900), "IMG_0002.JPG")
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "最多 100 万像素" in refused.text
    accepted = upload(street, jpeg(1000, 1000), "IMG_0003.JPG")
    assert accepted.status_code == HTTPStatus.OK and "/thumb" in accepted.text
    rows, files = kept(app, street)
    assert rows == 1 and len(files) == 2  # the photo and its thumbnail


def test_a_residents_report_with_a_hostile_photo_is_not_taken(app, street):
    from plugins.grid.models import GridEvent
    resident = app.test_client()
    resident.environ_base["REMOTE_ADDR"] = "10.251.7.7"
    resp = resident.post(f"/t/{street.slug}/grid/report", content_type="multipart/form-data", data={
        "title": "路灯不亮", "description": "小区门口路灯坏了", "category_id": street.category, "address": "小区门口",
        "reporter_phone": "13812345678", "csrf_token": csrf_token(resident),
        "photo": (io.BytesIO(png_of_zeros(20000, 20000)), "a.png")})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "照片像素太大" in resp.text
    with app.app_context(), tenant_scope(street.id, commit=False):
        titles = list(db.session.scalars(select(GridEvent.title)))
    assert "路灯不亮" not in titles
    assert kept(app, street) == (0, [])
