"""审核: the approval table (single, batch with a preview of what it approves), fixes, voids, back-fill."""
from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import db, flash, form_action, get_or_404, requires

from ..models import Activity, ServiceRecord, Volunteer
from ..models.activities import RECORD_STATES, SOURCES
from ..schemas import BackfillIn
from ..services import records
from .common import act, in_scope, scope


def _names(rows) -> dict:
    ids = {r.volunteer_id for r in rows}
    return dict(db.session.execute(select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(ids))).all())


def _titles(rows) -> dict:
    ids = {r.activity_id for r in rows if r.activity_id}
    return dict(db.session.execute(select(Activity.id, Activity.title).where(Activity.id.in_(ids))).all())


def _context(**kw):
    rows = records.pending(scope("volunteer.record.approve"))
    vols = list(db.session.execute(in_scope(select(Volunteer.id, Volunteer.name), Volunteer.org_unit_id,
                                            "volunteer.record.enter").order_by(Volunteer.id).limit(300)))
    return {"rows": rows, "names": _names(rows), "titles": _titles(rows), "states": RECORD_STATES, "sources": SOURCES,
            "volunteers": vols, "errors": {}, "form": {}, **kw}


@requires("volunteer.record.approve")
def approvals():
    return render_template("volunteer/approvals.html", **_context())


def _row(record_id: int):
    def ctx(_r=None):
        r = db.session.get(ServiceRecord, record_id)
        return {"r": r, "names": _names([r]), "titles": _titles([r]), "states": RECORD_STATES, "sources": SOURCES}
    return ctx


@requires("volunteer.record.approve")
def approve(record_id: int):
    rec = get_or_404(ServiceRecord, record_id)
    return act(lambda: records.approve(rec), fragment="volunteer/_record_row.html", context=_row(rec.id),
               done=url_for("volunteer.approvals"), message=_("已审核通过"))


@requires("volunteer.record.approve")
def reject(record_id: int):
    rec = get_or_404(ServiceRecord, record_id)
    reason = (request.form.get("reason") or "").strip()[:200]
    return act(lambda: records.reject(rec, reason), fragment="volunteer/_record_row.html", context=_row(rec.id),
               done=url_for("volunteer.approvals"), message=_("已驳回"))


@requires("volunteer.record.approve")
def return_for_fix(record_id: int):
    rec = get_or_404(ServiceRecord, record_id)
    note = (request.form.get("reason") or "").strip()[:200]
    return act(lambda: records.return_for_fix(rec, note), fragment="volunteer/_record_row.html", context=_row(rec.id),
               done=url_for("volunteer.approvals"), message=_("已退回补充"))


@requires("volunteer.view")
def resubmit(record_id: int):
    rec = get_or_404(ServiceRecord, record_id)
    note = (request.form.get("note") or "").strip()[:500]
    return act(lambda: records.resubmit(rec, note), done=url_for("volunteer.me"), message=_("已重新提交"))


@requires("volunteer.record.void")
def void(record_id: int):
    rec = get_or_404(ServiceRecord, record_id)
    reason = (request.form.get("reason") or "").strip()[:200]
    outcome = {}

    def run():
        outcome["result"] = records.void(rec, reason)
        return outcome["result"]
    resp = act(run, done=url_for("volunteer.volunteer", volunteer_id=rec.volunteer_id))
    if isinstance(outcome.get("result"), ServiceRecord):
        flash(_("已作废并冲正"))
    elif outcome.get("result") is not None:
        flash(_("该记录所在期间已结账，作废申请已提交他人复核"))
    return resp


def _ids() -> list[int]:
    return [i for i in (api.as_id(x) for x in request.form.getlist("ids")) if i is not None][:500]


@requires("volunteer.record.approve")
def batch_preview():
    """A batch approval first shows exactly what it will approve (clean records only) and the total."""
    ids = _ids()
    rows = records.approvable(ids)
    left_out = [i for i in ids if i not in {r.id for r in rows}]
    return render_template("volunteer/batch.html", rows=rows, names=_names(rows), titles=_titles(rows),
                           sources=SOURCES, left_out=left_out, total=sum(r.minutes_claimed for r in rows))


@requires("volunteer.record.approve")
def batch_approve():
    ids = _ids()
    result = {}

    def run():
        result["done"], result["skipped"] = records.bulk_approve(ids)
        return result
    resp = act(run, done=url_for("volunteer.approvals"))
    if result.get("done") is not None:
        from flask import flash
        done, skipped = len(result["done"]), len(result["skipped"])
        flash(_("已审核通过 %(n)s 条，%(m)s 条未通过：已由他人处理或不符合条件", n=done, m=skipped) if skipped
              else _("已审核通过 %(n)s 条", n=done))
    return resp


@requires("volunteer.record.enter")
def backfill():
    return form_action(BackfillIn(), records.backfill, page="volunteer/approvals.html",
                       fragment="volunteer/_backfill_form.html", form_id="backfill-form", context=_context,
                       done=lambda r: url_for("volunteer.approvals"), message=_("已补录，待他人审核（补录·不计积分）"))
