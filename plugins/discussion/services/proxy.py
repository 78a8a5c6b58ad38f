"""Staff acting for a resident who came in person (代办): a reason, a window of 30 minutes, every matter raised
in it logged on the row and in the audit log. After the window, nothing more is raised in the resident's name."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import clock, db, Refused

from ..models import Proxy, Station
from . import lists as list_svc

WINDOW = timedelta(minutes=30)


def start(station: Station, data: dict) -> Proxy:
    list_svc.require("discussion.matter.on_behalf", station)
    user = api.current().user_id
    now = clock.utcnow()
    for open_ in db.session.scalars(select(Proxy).where(Proxy.staff_id == user, Proxy.ended_at.is_(None))):
        open_.ended_at = min(now, clock.aware(open_.ends_at))
    proxy = Proxy(station_id=station.id, staff_id=user, resident_name=data["resident_name"], reason=data["reason"],
                  started_at=now, ends_at=now + WINDOW, matter_ids=[])
    db.session.add(proxy)
    db.session.flush()
    api.audit.record("discussion.proxy.start", "discussion_proxy", proxy.id)
    return proxy


def active(station: Station) -> Proxy | None:
    """This user's open window at this station, if it has not run out."""
    user = api.current().user_id
    if user is None:
        return None
    proxy = db.session.scalar(select(Proxy).where(Proxy.staff_id == user, Proxy.station_id == station.id,
                                                  Proxy.ended_at.is_(None)).order_by(Proxy.id.desc()).limit(1))
    return proxy if proxy is not None and clock.utcnow() <= clock.aware(proxy.ends_at) else None


def require(proxy_id: int, station: Station) -> Proxy:
    """The window a form was filled in: still this user's, at this station, open and within 30 minutes."""
    list_svc.require("discussion.matter.on_behalf", station)
    proxy = db.session.get(Proxy, proxy_id)
    if proxy is None or proxy.staff_id != api.current().user_id or proxy.station_id != station.id:
        raise Refused(_("代办记录不存在"))
    if proxy.ended_at is not None or clock.utcnow() > clock.aware(proxy.ends_at):
        raise Refused(_("代办时段（%(n)s 分钟）已结束，请重新登记代办原因", n=int(WINDOW.total_seconds() // 60)))
    return proxy


def record(proxy: Proxy, matter_id: int) -> None:
    proxy.matter_ids = [*(proxy.matter_ids or []), matter_id]
    db.session.flush()


def end(proxy: Proxy, _data: dict | None = None) -> Proxy:
    if proxy.staff_id != api.current().user_id:
        raise Refused(_("只能结束自己的代办"))
    if proxy.ended_at is None:
        proxy.ended_at = min(clock.utcnow(), clock.aware(proxy.ends_at))
    return proxy
