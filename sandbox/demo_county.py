"""The demo's county (督导): the hospital of the demo campaign is one of three institutions
under a county health bureau (示范县卫生健康局), so the supervision level can be tried: the
bureau's supervisor sees every institution side by side (/rollup), issues 督办 orders
(/order) and confirms their closure; two township health centres run campaigns of their own,
each in its own database, and see nothing of each other.

Seeded once, beside the hospital's campaign (sandbox/demo_campaign.py), by the same storage
calls the bot makes."""

from __future__ import annotations

from datetime import date, timedelta

import sqlite_utils

from sandbox.demo_campaign import Campaign
from storage import institutions, orders, roster
from storage.clock import clock
from storage.db import open_database
from storage.keys import Keys

HOSPITAL = "示范县人民医院"  # the demo campaign's hospital, when INSTITUTION_NAME does not name it
BUREAU = "示范县卫生健康局"
BUREAU_ROSTER = """姓名,科室,角色
周建国,督导组,督导组
吴卫东,局领导,委领导
郑晓丽,局办公室,活动办
"""
CENTRES = {
    "城关镇卫生院": """姓名,科室,角色
孙志强,院办,班子成员
钱丽娟,院办,活动办
冯建华,公共卫生科,科室负责人
褚小梅,公共卫生科,职工
""",
    "河口乡卫生院": """姓名,科室,角色
卫国平,院办,班子成员
蒋秀英,院办,活动办
沈立新,门诊,科室负责人
韩雪,门诊,职工
""",
}


def seed(db: sqlite_utils.Database, main_path, keys: Keys, today: date, zone, hospital: str) -> None:
    """Once: the directory (the hospital in the main database), the bureau and the two
    centres with their rosters and a few problems, and one 督办 order to 城关镇卫生院."""
    if institutions.listed(db):
        return
    try:
        institutions.add(db, hospital or HOSPITAL, institutions.INSTITUTION, main=True)
        bureau = institutions.add(db, BUREAU, institutions.BODY)
        with _opened(bureau, main_path) as bureau_db:
            roster.apply(bureau_db, roster.parse(BUREAU_ROSTER.encode()), None)
            for name, csv in CENTRES.items():
                centre = institutions.add(db, name, institutions.INSTITUTION)
                with _opened(centre, main_path) as centre_db:
                    roster.apply(centre_db, roster.parse(csv.encode()), None)
                    story = Campaign(centre_db, keys, today, zone)
                    _stories(story, name)
                    if name == "城关镇卫生院":
                        story.on(-3)
                        supervisor = Campaign(bureau_db, keys, today, zone).person("周建国")
                        orders.issue(
                            bureau_db,
                            centre_db,
                            centre.id,
                            "家庭医生签约服务履约率低，限期整改",
                            today + timedelta(days=4),
                            supervisor.id,
                        )
    finally:
        clock.reset()


class _opened:
    def __init__(self, institution: institutions.Institution, main_path) -> None:
        self.path = institution.file(main_path)

    def __enter__(self) -> sqlite_utils.Database:
        self.db = open_database(self.path)
        return self.db

    def __exit__(self, *exc) -> None:
        self.db.close()


def _stories(c: Campaign, centre: str) -> None:
    """A few problems in different states: one closed, one in progress, one overdue."""
    if centre == "城关镇卫生院":
        leader, office, head, department = "孙志强", "钱丽娟", "冯建华", "公共卫生科"
        titles = ("预防接种门诊候诊拥挤", "慢病随访记录不全", "公共卫生档案更新滞后")
    else:
        leader, office, head, department = "卫国平", "蒋秀英", "沈立新", "门诊"
        titles = ("门诊夜间无人值守", "药房常用药缺货", "卫生院厕所卫生差")
    closed = c.created(-40, titles[0], office)
    c.dispatch(-39, closed, leader, department, -20, "增设候诊座椅，分时段预约")
    c.act(-25, closed, "request_closure", head, text="分时段预约已实施，候诊时间缩短一半")
    c.act(-24, closed, "close", office)
    working = c.created(-20, titles[1], office)
    c.dispatch(-19, working, leader, department, 20, "逐户补录随访记录，每周抽查")
    c.act(-10, working, "report", head, text="已补录六成", percent=60)
    late = c.created(-30, titles[2], office)
    c.dispatch(-29, late, leader, department, -5, "专人负责，按月更新")
