"""Readable names for audit actions: the audit page says 启用模块, not ``plugin.enable``.

Core's names are here; a plugin declares its own with the ``register_audit_labels`` hook
(``{"grid.export": _l("导出网格台账")}``), each starting with ``<plugin>.``. Events a plugin emits are
audited by core under ``<event name>`` or, when the event names a step in a code field ``action``,
``<event name>.<step>`` (``grid.event_state_changed.dispatch``): a plugin labels those the same way.
An action nobody labelled shows its code, so nothing is ever hidden.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: the module an action of core belongs to, on the audit page's module filter
CORE_MODULE = "core"

CORE_LABELS = {
    "user.create": _l("创建账号"), "user.import": _l("批量导入账号"), "user.reset_password": _l("重置密码"),
    "user.revoke_sessions": _l("强制下线"), "user.admin_refused": _l("越权管理账号被拒绝"),
    "grant.create": _l("授予角色"), "grant.revoke": _l("撤销角色"),
    "api_key.create": _l("创建接口密钥"), "api_key.revoke": _l("撤销接口密钥"),
    "org.rename": _l("组织节点改名"), "org.move": _l("移动组织节点"), "org.import": _l("导入组织体系"),
    "person.edit": _l("修改人员信息"), "person.mgmt_category": _l("变更五管合一类别"),
    "pii.reveal": _l("查看完整个人信息"), "pii.export": _l("导出个人信息"), "pii.erase": _l("删除个人信息"),
    "plugin.enable": _l("启用模块"), "plugin.disable": _l("停用模块"), "plugin.settings": _l("修改模块设置"),
    "plugin.purge": _l("清除模块数据"), "plugin.streets": _l("为全部街道设置模块"), "plugin.street": _l("为街道设置模块"),
    "calendar.override": _l("调整工作日"), "district.rollup": _l("区级查看街道数据"),
}


def _registered() -> dict:
    from ..plugins.manager import registry
    return {**CORE_LABELS, **registry().audit_labels}


def label(action: str) -> str:
    """The readable name of ``action``; for an audited step of an event, the event's name and the step."""
    labels = _registered()
    found = labels.get(action)
    if found is not None:
        return str(found)
    event, _dot, step = action.rpartition(".")
    if event in labels:
        return f"{labels[event]}（{step}）"
    return action


def module_of(action: str, plugins) -> str:
    """The plugin an action belongs to (its first part names it), else core."""
    first = action.partition(".")[0]
    return first if first in plugins else CORE_MODULE
