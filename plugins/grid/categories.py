"""The category template a tenant starts from (docs/grid.md §2, §7); tenants edit their copy."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

BUCKETS = {
    "LIVELIHOOD": _l("民生服务"), "URBAN_PROPERTY": _l("城建物业"), "SANITATION": _l("卫生环保"), "CONSULTATION": _l("政策咨询"),
    "DISPUTE": _l("矛盾纠纷"), "SECURITY": _l("治安隐患"), "OTHER": _l("其他"),
}
PROFILES = ("CASE", "CONSULTATION", "SERVICE", "DISPUTE", "HAZARD")

#: code, name, bucket, profile, handling limit (value, unit), grid_solvable, self_handle_allowed, default level
TEMPLATE = (
    ("LV-ELDER", "养老助残服务", "LIVELIHOOD", "SERVICE", (3, "working_day"), True, False, 0),
    ("LV-AID", "困难救助", "LIVELIHOOD", "SERVICE", (5, "working_day"), False, False, 1),
    ("LV-WATER", "水电气暖", "LIVELIHOOD", "CASE", (2, "working_day"), False, False, 1),
    ("UP-ROAD", "道路设施损坏", "URBAN_PROPERTY", "CASE", (5, "working_day"), False, False, 1),
    ("UP-PROPERTY", "物业服务问题", "URBAN_PROPERTY", "CASE", (3, "working_day"), False, False, 1),
    ("UP-BUILD", "违章搭建", "URBAN_PROPERTY", "CASE", (10, "working_day"), False, False, 2),
    ("SA-GARBAGE", "垃圾堆放", "SANITATION", "CASE", (1, "working_day"), True, True, 0),
    ("SA-CORRIDOR", "楼道堆物", "SANITATION", "CASE", (2, "working_day"), True, True, 0),
    ("SA-SEWAGE", "污水外溢", "SANITATION", "CASE", (2, "working_day"), False, False, 1),
    ("CO-POLICY", "政策咨询", "CONSULTATION", "CONSULTATION", (1, "working_day"), True, False, 0),
    ("DI-NEIGHBOUR", "邻里纠纷", "DISPUTE", "DISPUTE", (5, "working_day"), True, False, 0),
    ("DI-FAMILY", "家庭矛盾", "DISPUTE", "DISPUTE", (5, "working_day"), True, False, 1),
    ("SE-FIRE", "消防隐患", "SECURITY", "HAZARD", (1, "working_day"), False, False, 1),
    ("SE-SAFETY", "治安隐患", "SECURITY", "HAZARD", (2, "working_day"), False, False, 1),
    ("OT-OTHER", "其他事项", "OTHER", "CASE", (3, "working_day"), True, False, 0),
)

#: stage limits by urgency (docs/grid.md §4): CRITICAL and URGENT on natural time, NORMAL on working time
STAGE_LIMITS = {
    "accept": {"CRITICAL": (5, "minute"), "URGENT": (15, "minute"), "NORMAL": (1, "working_hour")},
    "verify": {"CRITICAL": (30, "minute"), "URGENT": (1, "hour"), "NORMAL": (4, "working_hour")},
    "dispatch": {"CRITICAL": (10, "minute"), "URGENT": (30, "minute"), "NORMAL": (1, "working_hour")},
    "sign": {"CRITICAL": (10, "minute"), "URGENT": (30, "minute"), "NORMAL": (2, "working_hour")},
    "handle": {"CRITICAL": (2, "hour"), "URGENT": (24, "hour"), "NORMAL": None},  # None: the category's limit
    "check": {"CRITICAL": (1, "hour"), "URGENT": (2, "hour"), "NORMAL": (1, "working_day")},
    "callback": {"CRITICAL": (1, "working_day"), "URGENT": (1, "working_day"), "NORMAL": (2, "working_day")},
}
URGENCIES = {"CRITICAL": _l("特急"), "URGENT": _l("紧急"), "NORMAL": _l("一般")}
LEVELS = {0: _l("网格"), 1: _l("社区"), 2: _l("街道"), 3: _l("区级部门（共享）")}
SOURCES = {"GRID_PATROL": _l("网格巡查"), "RESIDENT": _l("居民上报"), "PHONE_VISIT": _l("电话/来访"), "HOTLINE_12345": _l("12345热线"),
           "PROPERTY": _l("物业"), "OFFICE_HOURS": _l("党代表接待"), "SUPERIOR": _l("上级交办"),
           "PROACTIVE": _l("主动治理")}
#: sources staff may choose when reporting; 主动治理 tasks are created only by the hotspot rule (E7)
STAFF_SOURCES = {k: v for k, v in SOURCES.items() if k != "PROACTIVE"}
