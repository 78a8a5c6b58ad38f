"""民情事项: the filtered list, the detail timeline, and actions limited to the valid transitions
(a stale version answers 409 with the current card)."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import arg, db, form_action, get_or_404, render_page_or_fragment, requires

from ..models import Issue
from ..schemas import CATEGORIES, IssueActIn
from ..services import issues as svc
from .common import labels, require_on, studios as visible_studios

PAGE = 50


@requires("office_hours.issue.triage")
def issues():
    mine = {s.id: s for s in visible_studios("office_hours.issue.triage")}
    q = select(Issue).where(Issue.studio_id.in_(list(mine) or [0]))
    state, category, studio = arg("state", str), arg("category", str), arg("studio", api.parse_id)
    if state == "open":
        q = q.where(Issue.state.in_(svc.OPEN))
    elif state in svc.STATES:
        q = q.where(Issue.state == state)
    if category in CATEGORIES:
        q = q.where(Issue.category == category)
    if studio:
        q = q.where(Issue.studio_id == studio)
    if arg("overdue", str) == "1":
        q = q.where(Issue.overdue.is_(True))
    rows = db.session.scalars(q.order_by(Issue.created_at.desc(), Issue.id.desc()).limit(PAGE)).all()
    return render_page_or_fragment("office_hours/issues.html", "office_hours/_issue_rows.html", "issue-rows",
                                   rows=rows, studios=mine, states=svc.STATES, categories=CATEGORIES,
                                   filters=request.args, **labels())


def _load(issue_id: int, permission: str = "office_hours.issue.triage") -> Issue:
    issue = get_or_404(Issue, issue_id)
    require_on(permission, issue.studio_id)
    return issue


def _ctx(issue: Issue, **kw) -> dict:
    return {"issue": issue, **svc.card_context(issue), **labels(), **kw}


@requires("office_hours.issue.respond")
def issue(issue_id: int):
    i = _load(issue_id, "office_hours.issue.respond")
    return render_template("office_hours/issue.html", **_ctx(i))


@requires("office_hours.issue.respond")
def act(issue_id: int, action: str):
    if action not in svc.ACTIONS:
        abort(404)
    i = _load(issue_id, svc.ACTIONS[action].permission)
    return form_action(IssueActIn(), lambda d: svc.act(i, action, d, d.get("version")), page="office_hours/issue.html",
                       fragment="office_hours/_issue_card.html", form_id="issue-card",
                       context=lambda **kw: _ctx(i, **kw),
                       done=lambda _x: url_for("office_hours.issue", issue_id=i.id), message=_("已办理"))
