"""Event photos: evidence for on-the-spot closure, verification, results and checks.

One photo per request, at most 8 MiB, JPEG, PNG, WebP or HEIC (iPhones), recognised by content and
never by name; re-encoded as JPEG, which drops EXIF (location, device); a 320-pixel thumbnail;
stored under the instance folder by tenant with a random name, never under ``static/``.
"""
from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.db import db
from core.tenancy.context import current

from .machine import Refused
from .models import Photo

MAX_BYTES = 8 * 1024 * 1024
FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
KINDS = ("report", "before", "after", "verify", "check")
_heif_ready = False


def _open(data: bytes) -> Image.Image:
    global _heif_ready
    if not _heif_ready:
        from pillow_heif import register_heif_opener
        register_heif_opener()
        _heif_ready = True
    try:
        image = Image.open(io.BytesIO(data))
        image.verify()  # structure check; the image must be reopened after verify
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Refused(_("只能上传照片（JPG、PNG、HEIC）")) from exc
    if image.format not in FORMATS:
        raise Refused(_("只能上传照片（JPG、PNG、HEIC）"))
    if image.width * image.height > 60_000_000:
        raise Refused(_("照片像素太大"))
    return image


def folder(tenant_id: int) -> Path:
    path = Path(current_app.config["INSTANCE_DIR"]) / "uploads" / str(tenant_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(event_id: int, upload, kind: str) -> Photo:
    """Check, re-encode and store one uploaded photo; :raises Refused: with the reason."""
    if upload is None or not upload.filename:
        raise Refused(_("请选择照片"))
    if kind not in KINDS:
        raise Refused(_("照片类型无效"))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Refused(_("照片不能超过 8 MB"))
    image = ImageOps.exif_transpose(_open(data)).convert("RGB")  # upright as shot, then no EXIF at all
    name = secrets.token_hex(16)
    base = folder(current().active)
    image.save(base / f"{name}.jpg", format="JPEG", quality=85, optimize=True)
    thumb = image.copy()
    thumb.thumbnail((320, 320))
    thumb.save(base / f"{name}_t.jpg", format="JPEG", quality=80)
    photo = Photo(event_id=event_id, kind=kind, stored_name=name, width=image.width, height=image.height,
                  uploaded_by=current().user_id)
    db.session.add(photo)
    db.session.flush()
    return photo


def path_of(photo: Photo, thumb: bool = False) -> Path:
    return folder(photo.tenant_id) / f"{photo.stored_name}{'_t' if thumb else ''}.jpg"
