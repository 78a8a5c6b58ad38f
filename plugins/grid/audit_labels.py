"""Readable names for the grid's lines in the audit log (审计日志): its own actions and every event step."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .machine import ACTIONS

OWN = {
    "grid.assign": _l("网格员上岗"),
    "grid.unassign": _l("网格员离岗"),
    "grid.split": _l("拆分网格"),
    "grid.merge": _l("合并网格"),
    "grid.boundary": _l("修改网格边界"),
    "grid.category": _l("修改事件类别"),
    "grid.share": _l("共享事件给其他街道"),
    "grid.unshare": _l("撤回共享事件"),
    "grid.sensitive.view": _l("查看事件当事人信息"),
    "grid.kpi_restate": _l("重算已冻结的统计"),
    "grid.export": _l("导出网格数据"),
    "grid.emergency_start": _l("启动应急状态"),
    "grid.emergency_end": _l("结束应急状态"),
    "grid.district_read": _l("区级查看街道网格事件"),
    "grid.event_created": _l("网格事件：上报"),
    "grid.event_escalated": _l("网格事件：升级"),
    "grid.event_closed": _l("网格事件：办结"),
    "grid.check_result": _l("网格事件：核查结果"),
    "grid.event_state_changed": _l("网格事件：状态变化"),
}


def labels() -> dict[str, str]:
    """Own actions, then one line per state-machine step (``grid.event_state_changed.<action>``)."""
    steps = {f"grid.event_state_changed.{name}": _l("网格事件：%(step)s", step=a.label) for name, a in ACTIONS.items()}
    return {**OWN, **steps}
