"""The default assessment scheme: 8 categories, 39 items, 100 points, drawn from public local practice
(住宅小区物业服务考核细则). Tenants should replace it with their own district's rules."""
from __future__ import annotations

CHECKLIST = [
    ("A", "综合管理", [("制度健全、公示服务内容和收费标准", 3), ("物业服务人员持证上岗、统一着装", 2),
                    ("档案资料齐全、专人管理", 2), ("24小时值班及报修电话畅通", 3),
                    ("参加四方联席会议并落实议定事项", 5)]),
    ("B", "房屋管理", [("房屋外观完好、无违章搭建", 3), ("公共部位门窗、楼梯扶手完好", 2),
                    ("屋面、外墙无渗漏", 2), ("装修管理规范、巡查记录完整", 2), ("标识标牌齐全清晰", 1)]),
    ("C", "共用设施设备", [("供水供电设施运行正常", 3), ("电梯按期维保、年检合格", 4), ("二次供水水箱定期清洗消毒", 3),
                       ("道路、路灯、井盖完好", 2), ("监控、门禁等智能设施运行正常", 3)]),
    ("D", "秩序维护", [("出入口24小时值守", 4), ("定时巡逻并有记录", 4), ("车辆停放有序、消防通道畅通", 3),
                    ("突发事件有应急预案并演练", 2), ("外来人员车辆登记", 2)]),
    ("E", "环境卫生", [("公共区域每日清扫、无积存垃圾", 4), ("垃圾分类收集、日产日清", 4), ("楼道无堆物、无小广告", 3),
                    ("化粪池、管道定期清掏疏通", 2), ("定期消杀、无蚊蝇鼠害", 2)]),
    ("F", "绿化养护", [("绿地完好、无黄土裸露", 3), ("定期修剪、浇灌、施肥", 2), ("病虫害及时防治", 2),
                    ("无毁绿种菜、侵占绿地", 2), ("绿化垃圾及时清运", 1)]),
    ("G", "消防安全", [("消防设施器材完好有效", 3), ("消防通道、安全出口畅通", 2), ("电动车规范停放充电", 2),
                    ("定期开展消防安全检查", 2), ("微型消防站人员器材到位", 1)]),
    ("H", "群众满意", [("报修投诉及时处理", 3), ("业主满意度测评", 3), ("配合社区开展党建和志愿服务", 2),
                    ("公开物业服务信息、接受监督", 2)]),
]


def default_checklist() -> list[dict]:
    return [{"code": code, "name": name,
             "items": [{"code": f"{code}{i}", "name": item, "max": points} for i, (item, points) in enumerate(items, 1)]}
            for code, name, items in CHECKLIST]


DEFAULT_WEIGHTS = {"inspection": "0.7", "ticket_kpi": "0.3", "on_time": "0.4", "satisfaction": "0.3",
                   "not_escalated": "0.3"}
DEFAULT_ROUNDING = {"mode": "half_up", "places": 2}
DEFAULT_TIERS = [[80, 10000], [70, 9000], [60, 8000], [0, 7000]]
DEFAULT_CARD_RULES = {"yellow_below": 60, "red_yellows": 3, "red_window_months": 12, "notice_below": 60}
