"""Posts and claims: the community confirms, the claim runs for a term and ends, the last seat is
never given twice (parallel processes), roles gate posts, nobody confirms their own claim."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.api import Refused
from core.db import db

from .conftest import in_tenant, make_post, register, run_parallel


def _claim(app, vw, post_id, vol_id, user=None):
    from plugins.volunteer.models import ServicePost, Volunteer
    from plugins.volunteer.services import posts
    return in_tenant(app, vw.street, lambda: posts.claim(db.session.get(ServicePost, post_id),
                                                         volunteer=db.session.get(Volunteer, vol_id)).id,
                     user_id=(user or vw.admin).id)


def _post(app, vw, post_id):
    from plugins.volunteer.models import ServicePost
    return in_tenant(app, vw.street, lambda: db.session.get(ServicePost, post_id))


def test_claim_confirm_and_term_end_free_the_seat(app, vw):
    from plugins.volunteer import jobs
    from plugins.volunteer.models import PostClaim
    from plugins.volunteer.services import posts
    vid = register(app, vw, 0, user=vw.staff)  # a community worker who is also an in-service member
    pid = make_post(app, vw, capacity=1)
    cid = _claim(app, vw, pid, vid, user=vw.staff)
    assert _post(app, vw, pid).active_claims == 0  # pending until the community confirms
    with pytest.raises(Refused, match="不能确认自己"):  # the claimant cannot confirm their own claim
        in_tenant(app, vw.street, lambda: posts.confirm(db.session.get(PostClaim, cid)), user_id=vw.staff.id)
    in_tenant(app, vw.street, lambda: posts.confirm(db.session.get(PostClaim, cid)), user_id=vw.other_staff.id)
    claim = in_tenant(app, vw.street, lambda: db.session.get(PostClaim, cid))
    assert claim.state == "active" and claim.term_end is not None and _post(app, vw, pid).active_claims == 1
    with pytest.raises(Refused, match="已认领"):
        _claim(app, vw, pid, vid, user=vw.staff)
    from core.api import clock
    later = clock.utcnow() + timedelta(days=400)
    assert in_tenant(app, vw.street, lambda: jobs.end_claim_terms(None, now=later)) == 1
    assert in_tenant(app, vw.street, lambda: db.session.get(PostClaim, cid)).state == "completed"
    assert _post(app, vw, pid).active_claims == 0


def test_a_role_gated_post_needs_the_role(app, vw):
    v_plain = register(app, vw, 0, kind="retired_member")
    v_mediator = register(app, vw, 1, kind="retired_member", role="mediator")
    pid = make_post(app, vw, capacity=2, required_role="mediator")
    with pytest.raises(Refused, match="矛盾调解员"):
        _claim(app, vw, pid, v_plain)
    assert _claim(app, vw, pid, v_mediator)


def test_capacity_cannot_drop_below_the_claims_that_stand(app, vw):
    from plugins.volunteer.models import ServicePost
    from plugins.volunteer.services import posts
    pid = make_post(app, vw, capacity=2, requires_review=False)
    for i in range(2):
        _claim(app, vw, pid, register(app, vw, i))
    with pytest.raises(Refused, match="请先结束"):
        in_tenant(app, vw.street, lambda: posts.set_capacity(db.session.get(ServicePost, pid), 1), user_id=vw.admin.id)
    with pytest.raises(Refused, match="岗位已满"):
        _claim(app, vw, pid, register(app, vw, 2))


def test_two_claims_of_the_last_seat_in_parallel_processes_one_wins(app, database, vw):
    pid = make_post(app, vw, capacity=1, requires_review=False)
    vids = [register(app, vw, 0), register(app, vw, 1)]
    outcome = run_parallel(database, vw.street.id, "tests.plugins.volunteer.parallel_work:claim_post", workers=2,
                           user_ids=[vw.admin.id, vw.admin.id], post_id=pid, volunteer_ids=vids)
    flat = [r for w in outcome for r in w]
    assert flat.count("active") == 1 and sum("岗位已满" in r for r in flat) == 1, flat
    assert _post(app, vw, pid).active_claims == 1


def test_two_confirmations_of_the_last_seat_in_parallel_processes_one_wins(app, database, vw):
    from plugins.volunteer.models import PostClaim
    pid = make_post(app, vw, capacity=1, requires_review=True)
    cids = [_claim(app, vw, pid, register(app, vw, i)) for i in range(2)]
    outcome = run_parallel(database, vw.street.id, "tests.plugins.volunteer.parallel_work:confirm_claim", workers=2,
                           user_ids=[vw.staff.id, vw.other_staff.id], claim_ids=cids)
    flat = [r for w in outcome for r in w]
    assert flat.count("active") == 1 and sum("岗位已满" in r for r in flat) == 1, flat
    states = in_tenant(app, vw.street, lambda: sorted(c.state for c in db.session.scalars(
        select(PostClaim).where(PostClaim.post_id == pid))))
    assert states == ["active", "pending"] and _post(app, vw, pid).active_claims == 1


def test_the_employer_report_lists_members_claims_and_hours(app, vw):
    from plugins.volunteer.services import posts
    pid = make_post(app, vw, capacity=3, requires_review=False)
    from core.org.models import Person
    in_tenant(app, vw.street, lambda: setattr(db.session.get(Person, vw.people[0].id), "employer", "区财政局"))
    vid = register(app, vw, 0)
    _claim(app, vw, pid, vid)
    from datetime import date
    rows = in_tenant(app, vw.street, lambda: posts.employer_report(date(2000, 1, 1), date(2100, 1, 1)))
    assert rows == [{"employer": "区财政局", "members": 1, "claims": 1, "minutes": 0}]


def test_other_plugins_ask_about_the_three_roles_through_the_published_hook(app, vw):
    from core.api import current
    register(app, vw, 1, kind="retired_member", role="mediator")

    def ask(index, role):
        return current().hooks.volunteer_has_role(person_id=vw.people[index].id, role=role)
    assert in_tenant(app, vw.street, lambda: (ask(1, "mediator"), ask(1, "opinion_courier"), ask(0, "mediator"))) \
        == (True, False, False)


def test_a_claim_without_service_for_eight_weeks_is_flagged_not_revoked(app, vw):
    from plugins.volunteer.models import PostClaim
    from plugins.volunteer.services import posts
    pid = make_post(app, vw, capacity=1, requires_review=False)
    cid = _claim(app, vw, pid, register(app, vw, 0))
    from core.api import clock
    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    assert in_tenant(app, vw.street, lambda: posts.flag_dormant(today)) == 0  # claimed today: not yet
    assert in_tenant(app, vw.street, lambda: posts.flag_dormant(today + timedelta(weeks=9))) == 1
    claim = in_tenant(app, vw.street, lambda: db.session.get(PostClaim, cid))
    assert claim.dormant and claim.state == "active"


def test_a_team_leader_claims_a_volunteer_post_for_the_team(app, vw, create_user):
    from plugins.volunteer.models import ServicePost, Team
    from plugins.volunteer.services import people, posts
    leader_account = create_user(vw.street, "volunteer", unit_id=vw.community.id)
    vid = register(app, vw, 0, user=leader_account)
    tid = in_tenant(app, vw.street, lambda: people.create_team({"name": "青年志愿服务队", "type": "league",
                                                               "org_unit_id": vw.community.id, "leader_id": vid}).id,
                    user_id=vw.admin.id)
    pid = make_post(app, vw, capacity=1, kind="volunteer")
    claim = in_tenant(app, vw.street, lambda: posts.claim(db.session.get(ServicePost, pid),
                                                          team=db.session.get(Team, tid)), user_id=leader_account.id)
    assert claim.team_id == tid and claim.state == "pending"
    member = register(app, vw, 1, user=vw.staff)  # a community worker who serves in that team
    from plugins.volunteer.models import PostClaim, Volunteer
    in_tenant(app, vw.street, lambda: people.join(db.session.get(Team, tid), db.session.get(Volunteer, member)))
    with pytest.raises(Refused, match="不能确认自己"):  # a member of the claiming team cannot confirm it
        in_tenant(app, vw.street, lambda: posts.confirm(db.session.get(PostClaim, claim.id)), user_id=vw.staff.id)
    in_tenant(app, vw.street, lambda: posts.confirm(db.session.get(PostClaim, claim.id)), user_id=vw.other_staff.id)
    assert in_tenant(app, vw.street, lambda: db.session.get(PostClaim, claim.id).state) == "active"


def test_the_posts_page_pages_instead_of_cutting_off(app, vw):
    """A street publishes hundreds of posts: the page says how many it shows and the next page has the rest."""
    from core.testing.html import select as select_html
    from plugins.volunteer.services.posts import POSTS_PAGE

    from .conftest import client_for
    for n in range(POSTS_PAGE + 3):
        make_post(app, vw, title=f"岗位{n:03d}")
    c = client_for(app, vw.admin)
    first = c.get(f"/t/{vw.street.slug}/volunteer/posts").text
    assert f"显示前 {POSTS_PAGE} 条" in first
    nxt = select_html(first, "a[href*='after=']")[0]["href"]
    second = c.get(nxt).text
    titles = [t for t in (f"岗位{n:03d}" for n in range(POSTS_PAGE + 3)) if t in first or t in second]
    assert len(titles) == POSTS_PAGE + 3 and "岗位052" in second and "岗位052" not in first
