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

TICKETS = {
    "state_labels": {"NEW": _l("待接单"), "ACCEPTED": _l("已接单"), "IN_PROGRESS": _l("处理中"), "DEFERRED": _l("暂缓"),
                     "COMPLETED": _l("待评价/待回访"), "DECLINED": _l("已退单"), "CLOSED": _l("已关闭")},
    "close_labels": {"rated": _l("已评价"), "not_rated": _l("未评价"), "callback": _l("已回访"), "withdrawn": _l("居民撤回"),
                     "verified_by_grid": _l("网格核查通过"), "verified_by_community": _l("社区核查通过"),
                     "declined": _l("已退单")},
    "channel_labels": {"resident_app": _l("居民自报"), "phone": _l("电话"), "walk_in": _l("来访"), "staff": _l("工作人员"),
                       "grid_dispatch": _l("网格派单")},
    "rating_labels": {"good": _l("满意"), "bad": _l("不满意"), "returned": _l("退回重修")},
    "action_labels": {"create": _l("报事"), "accept": _l("接单"), "decline": _l("退单"), "start": _l("开始处理"),
                      "defer": _l("暂缓"), "resume": _l("暂缓到期，恢复处理"), "complete": _l("处理完成"), "rate": _l("评价"),
                      "return": _l("退回重修"), "callback": _l("回访"), "withdraw": _l("撤回"), "auto_close": _l("7天未评价自动关闭"),
                      "escalate": _l("转社区督办"), "grid_linked": _l("已生成网格事件"), "grid_check": _l("网格核查"),
                      "grid_closed": _l("网格事件已办结"), "community_check": _l("社区核查"), "dispute": _l("对退单提出异议"),
                      "warn": _l("督办预警"), "callback_attempt": _l("回访未接通")},
    "role_labels": {"resident": _l("居民"), "provider": _l("物业"), "staff": _l("社区"), "grid": _l("网格"),
                    "system": _l("系统")},
    "incident_labels": {"water": _l("停水"), "power": _l("停电"), "lift": _l("电梯停运"), "gas": _l("停气"), "other": _l("其他")},
    "reason_chips": (_l("没修好"), _l("态度不好"), _l("来得太慢"), _l("没有清理现场")),
}
