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
from sqlalchemy import update

from core.api import current, db

from .machine import Refused
from .models import GridEvent, Photo

MAX_BYTES = 8 * 1024 * 1024
FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
KINDS = ("report", "before", "after", "verify", "check")
_heif_ready = False


def _open(data: bytes) -> Image.Image:
    """The decoded photo. Its size is read from the header and checked before any pixel is
    decoded: a small file can declare a huge picture (a PNG of compressed zeros), and a decoded
    pixel costs up to 4 bytes, so the limit bounds the memory one upload can take."""
    global _heif_ready
    if not _heif_ready:
        from pillow_heif import register_heif_opener
        register_heif_opener()
        _heif_ready = True
    limit = current_app.config["PHOTO_MAX_PIXELS"]
    too_big = Refused(_("照片像素太大（最多 %(n)s 万像素），请缩小后再上传", n=limit // 10_000))
    try:
        image = Image.open(io.BytesIO(data))  # lazy: reads the header only
        if image.format not in FORMATS:
            raise Refused(_("只能上传照片（JPG、PNG、HEIC）"))
        if image.width * image.height > limit:
            raise too_big
        image.verify()  # structure check; the image must be reopened after verify
        image = Image.open(io.BytesIO(data))
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # Pillow's own, larger limit
        raise too_big from exc  # (its warning is an exception where warnings are errors)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Refused(_("只能上传照片（JPG、PNG、HEIC）")) from exc
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:  # a truncated or corrupt file fails while decoding
        raise Refused(_("照片文件不完整或已损坏，请重新选择")) from exc
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
    image = _open(data)
    ImageOps.exif_transpose(image, in_place=True)  # upright as shot; no copy of the whole picture
    if image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    name = secrets.token_hex(16)
    base = folder(current().active)
    image.save(base / f"{name}.jpg", format="JPEG", quality=85, optimize=True)  # a new JPEG: no EXIF at all
    image.thumbnail((320, 320))  # in place: the full picture is no longer needed
    image.save(base / f"{name}_t.jpg", format="JPEG", quality=80)
    photo = Photo(event_id=event_id, kind=kind, stored_name=name, width=width, height=height,
                  uploaded_by=current().user_id)
    db.session.add(photo)
    # counted in the same statement as any other writer's photo: the event page reads photos only when there are some
    db.session.execute(update(GridEvent).where(GridEvent.tenant_id == current().active, GridEvent.id == event_id)
                       .values(photo_n=GridEvent.photo_n + 1))
    db.session.flush()
    return photo


def path_of(photo: Photo, thumb: bool = False) -> Path:
    return folder(photo.tenant_id) / f"{photo.stored_name}{'_t' if thumb else ''}.jpg"
