"""What residents see: the progress of a report, looked up by its 受理编号 and the phone's last four digits."""
from __future__ import annotations

from http import HTTPStatus

from flask import abort, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from core import api
from core.api import audience, client_ip, db, form_data

from .. import tracking
from ..schemas import TrackIn
from .common import labels
from .queue import public_reports_open

def _page(status=HTTPStatus.OK, **kw):
    context = {"errors": {}, "form": {}, "progress": None, **kw}
    return render_template("grid/track.html", **context, **labels()), status


@audience("public")
def track():
    """查询进度: both the number and the digits must match; counted per address, wrong or right."""
    if not public_reports_open():
        abort(404)
    if request.method == "GET":
        return _page(form={"ref_no": request.args.get("ref_no", "")[:32]})
    if not api.rate_limit(f"track:{client_ip()}", tracking.LOOKUPS_PER_HOUR, 60):
        db.session.commit()
        return _page(HTTPStatus.TOO_MANY_REQUESTS, form=request.form,
                     errors={"_": [_("查询过于频繁，请一小时后再试，或拨打社区电话")]})
    try:
        data = TrackIn().load(form_data())
    except ValidationError as err:
        db.session.commit()  # the count stays
        return _page(HTTPStatus.UNPROCESSABLE_ENTITY, form=request.form, errors=err.messages)
    progress = tracking.find(data["ref_no"], data["phone_tail"])
    db.session.commit()
    if progress is None:  # one answer for a wrong number and for wrong digits: nothing tells which
        return _page(HTTPStatus.OK, form={"ref_no": data["ref_no"]},
                     errors={"_": [_("没有找到受理编号和手机号后 4 位都相符的反映，请核对后再试")]})
    return _page(progress=progress, form={})
