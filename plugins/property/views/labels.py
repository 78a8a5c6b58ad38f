"""Chinese names of the codes stored in the tables, for the templates."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

MODES = {"professional": _l("专业物业"), "fallback": _l("兜底服务"), "self_governed": _l("业主自治"), "none": _l("无物业")}
KINDS = {"market": _l("市场化物业企业"), "soe_fallback": _l("国企托底"), "public_welfare": _l("公益物业"),
         "community_quasi": _l("社区准物业")}
BODIES = {"owners_committee": _l("业主委员会"), "management_committee": _l("物业管理委员会")}
FILING = {"filed": _l("已备案"), "pending": _l("备案中"), "none": _l("未备案")}
PARTY_ORG = {"小区党支部": _l("小区党支部"), "联合党支部": _l("联合党支部"), "功能型党小组": _l("功能型党小组"),
             "none": _l("未建立")}

ALL = {"mode_labels": MODES, "kind_labels": KINDS, "body_labels": BODIES, "filing_labels": FILING,
       "party_org_labels": PARTY_ORG}
