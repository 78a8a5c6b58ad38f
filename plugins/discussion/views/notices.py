"""公示栏: a station's public notice board, the page a QR code on the bulletin board leads to. Anyone reads the
decisions and results in publicity and the answers to objections; a signed-in resident files an objection
right there, up to 23:59:59 Asia/Shanghai on the last day."""
from __future__ import annotations

from flask import abort, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import audience, db, form_action, get_or_404, render_page_or_fragment

from ..models import Decision, Matter, Objection, Publicity, Station
from ..schemas import ObjectionIn
from ..services import cycles, publicity as svc


def _board(station: Station, **kw) -> dict:
    notices = svc.current_notices(station)
    ids = [n.id for n in notices]
    matters = {m.id: m for m in db.session.scalars(select(Matter).where(
        Matter.id.in_([n.matter_id for n in notices])))} if notices else {}
    objections = {}
    for o in db.session.scalars(select(Objection).where(Objection.publicity_id.in_(ids)).order_by(Objection.id)) \
            if ids else []:
        objections.setdefault(o.publicity_id, []).append(o)
    decisions = {}
    for n in notices:
        from ..models import AgendaItem
        d = db.session.scalar(select(Decision).join(AgendaItem, AgendaItem.id == Decision.agenda_item_id).where(
            AgendaItem.subject_type == "matter", AgendaItem.subject_id == n.matter_id).order_by(Decision.id.desc())
            .limit(1))
        decisions[n.id] = d
    return {"station": station, "notices": notices, "matters": matters, "objections": objections,
            "decisions": decisions, "closes": {n.id: svc.window_closes(n) for n in notices},
            "now": api.clock.utcnow(), "today": cycles.today(), "signed_in": True, "mine_id": None,
            "errors": {}, "form": {}, **kw}


@audience("public")
def board(station_id: int):
    """Read-only for anyone; the objection form is on the signed-in board the sign-in link leads to."""
    s = get_or_404(Station, station_id)
    return render_page_or_fragment("discussion/notices.html", "discussion/notices.html", "main",
                                   **_board(s, signed_in=False))


def resident_board(station_id: int):
    s = get_or_404(Station, station_id)
    return render_page_or_fragment("discussion/notices.html", "discussion/notices.html", "main", **_board(s))


def object_(station_id: int, publicity_id: int):
    s = get_or_404(Station, station_id)
    n = get_or_404(Publicity, publicity_id)
    if db.session.get(Matter, n.matter_id).station_id != s.id:
        abort(404)
    return form_action(ObjectionIn(), lambda data: svc.object_(n, data), page="discussion/notices.html",
                       fragment="discussion/_notice_objection.html", form_id=f"objection-{n.id}",
                       context=lambda **kw: _board(s, mine_id=n.id, notice=n, **kw),
                       done=lambda _o: url_for("discussion.notices", station_id=s.id) + f"#notice-{n.id}",
                       message=_("异议已提交，我们将公开答复"))
