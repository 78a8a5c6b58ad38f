"""Names a person can tell apart: grids with their community, numbers inside names sorted by value."""
from __future__ import annotations

from core.api import label_key, natural_key, unit_labels
from core.db import db
from core.org.models import OrgUnit
from core.tenancy import tenant_scope


def test_numbers_inside_names_sort_by_value():
    names = ["10栋", "2栋", "1栋", "1栋2单元", "1栋10单元", "第十网格", "第二网格", "第十一网格", "第九网格"]
    assert sorted(names, key=natural_key) == ["1栋", "1栋2单元", "1栋10单元", "2栋", "10栋",
                                              "第二网格", "第九网格", "第十网格", "第十一网格"]
    assert sorted(["第10网格", "第2网格", "第1网格"], key=natural_key) == ["第1网格", "第2网格", "第10网格"]


def test_a_grid_is_named_with_its_community_and_labels_sort_by_community_then_grid(app, create_tenant, create_unit):
    street = create_tenant(name="谢家集街道")
    kaoshan = create_unit(street, street.root_id, "community", "靠山社区")
    xiyuan = create_unit(street, street.root_id, "community", "西苑社区")
    ids = [create_unit(street, c.id, "grid", n, grid_type="residential").id
           for c, n in ((kaoshan, "第10网格"), (kaoshan, "第2网格"), (xiyuan, "第1网格"), (kaoshan, "第1网格"))]
    with app.app_context(), tenant_scope(street.id, commit=False):
        units = list(db.session.scalars(db.select(OrgUnit).where(OrgUnit.id.in_([*ids, kaoshan.id]))))
        labels = unit_labels(units)
    assert labels[ids[1]] == "靠山社区·第2网格" and labels[ids[2]] == "西苑社区·第1网格"
    assert labels[kaoshan.id] == "靠山社区"  # a community keeps its own name
    ordered = sorted((labels[i] for i in ids), key=label_key)
    assert [x for x in ordered if x.startswith("靠山")] == ["靠山社区·第1网格", "靠山社区·第2网格", "靠山社区·第10网格"]
    assert ordered.index("西苑社区·第1网格") in (0, 3)  # communities stay together


def test_the_tree_lists_buildings_as_people_count_them(app, create_tenant, create_unit, create_user):
    from core.testing.factories import login
    street = create_tenant(name="谢家集街道")
    community = create_unit(street, street.root_id, "community", "靠山社区")
    grid = create_unit(street, community.id, "grid", "第1网格", grid_type="residential")
    for name in ("10栋", "2栋", "1栋"):
        create_unit(street, grid.id, "building", name)
    c = app.test_client()
    login(c, create_user(street, "tenant_admin"))
    html = c.get(f"/t/{street.slug}/org/{grid.id}/children").text
    assert html.index("1栋") < html.index("2栋") < html.index("10栋")
