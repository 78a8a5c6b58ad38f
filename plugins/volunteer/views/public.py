"""公示牌 (per community, public, masked, consent-based) and certificates with a public check."""
from __future__ import annotations

from http import HTTPStatus

from flask import abort, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select

from flask_babel import gettext as _
from core import api
from core.api import OrgUnit, audience, db, get_or_404, requires

from ..models import Certificate, ServiceRecord, Team, Volunteer
from ..models.public import CERT_STATES
from ..schemas import CertificateIn
from ..services import public
from ..services.common import mask_name
from .common import act, communities


@requires("volunteer.view")
def boards():
    return render_template("volunteer/boards.html", communities=communities())


@audience("public")
def board(unit_id: int):
    """The live board a building's QR code leads to: no sign-in, names masked unless consented."""
    unit = get_or_404(OrgUnit, unit_id)
    if unit.kind != "community":
        abort(404)
    data = public.board(unit.id, request.args.get("after"))
    ranking = []
    if api.settings("volunteer").get("rankings_enabled"):
        ranking = _team_ranking(unit.id)
    return render_template("volunteer/board.html", unit=unit, ranking=ranking, **data)


def _team_ranking(unit_id: int) -> list:
    """Teams by approved hours of their members (a ranking needs at least 5 entries)."""
    from ..models import TeamMember
    rows = list(db.session.execute(select(Team.name, func.sum(ServiceRecord.minutes_credited)).join(
        TeamMember, TeamMember.team_id == Team.id).join(ServiceRecord, ServiceRecord.volunteer_id == TeamMember.volunteer_id)
        .where(Team.org_unit_id == unit_id, ServiceRecord.state == "approved").group_by(Team.name)
        .order_by(func.sum(ServiceRecord.minutes_credited).desc()).limit(10)))
    return rows if len(rows) >= 5 else []


@requires("volunteer.certificate.issue")
def issue(volunteer_id: int):
    vol = get_or_404(Volunteer, volunteer_id)
    try:
        data = CertificateIn().load(api.form_data())
    except ValidationError as err:
        msg = "；".join(str(m) for ms in err.messages.values() for m in (ms if isinstance(ms, list) else [ms]))
        return render_template("volunteer/refused.html", error=msg), HTTPStatus.UNPROCESSABLE_ENTITY
    return act(lambda: public.issue(vol, data), done=lambda c: url_for("volunteer.certificate", certificate_id=c.id),
               message=_("已开具证明"))


@requires("volunteer.view")
def certificate(certificate_id: int):
    cert = get_or_404(Certificate, certificate_id)
    vol = db.session.get(Volunteer, cert.volunteer_id)
    unit = api.org_unit(vol.org_unit_id)
    if not (api.can("volunteer.view", unit) or vol.user_id == api.current().user_id):
        abort(404)
    link = url_for("volunteer.verify", token=cert.verify_token, _external=True)
    qr = None
    try:
        import segno
        qr = segno.make(link, micro=False).svg_inline(scale=4)
    except Exception:  # noqa: BLE001 - the printed code is enough
        qr = None
    return render_template("volunteer/certificate.html", cert=cert, vol=vol, link=link, qr=qr, states=CERT_STATES,
                           manage=api.can("volunteer.certificate.issue", unit))


@requires("volunteer.certificate.issue")
def revoke(certificate_id: int):
    cert = get_or_404(Certificate, certificate_id)
    reason = (request.form.get("reason") or "").strip()[:200]
    return act(lambda: public.revoke(cert, reason), done=url_for("volunteer.certificate", certificate_id=cert.id),
               message=_("已撤销"))


@audience("public")
@api.example_args(token="abc123")
def verify(token: str):
    """Anyone can check a certificate: number, masked name, hours, issuer, status."""
    cert = db.session.scalar(select(Certificate).where(Certificate.verify_token == token[:16]))
    if cert is None:
        abort(404)
    name = db.session.scalar(select(Volunteer.name).where(Volunteer.id == cert.volunteer_id)) or ""
    return render_template("volunteer/verify.html", cert=cert, name=mask_name(name), states=CERT_STATES)
