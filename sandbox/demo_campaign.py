"""The demo campaign a first sandbox run starts with: a hospital's roster and two months of a
rectification campaign, told through the same storage calls the bot makes, so the audit trail,
digests, ledger and report all have something true to show.

The situations come from the campaign documents in DOMAIN's seeds: the outpatient process (就医
流程), the bicycle shed (自行车棚), the staff canteen (职工食堂膳食), the gate and night patrol (门卫
及夜巡), video surveillance (视频监控) and the staff reading room (职工书屋). Between them the
problems stand in every state, from just listed to closed, looked back and reopened.

Who is told what goes through the notices layer (jobs.notices) as in the bot, each notice queued
at the moment of the story it belongs to.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path

import sqlite_utils

from jobs import notices
from storage import anonymous_pool, digests, lookbacks, opinions, people, problems, roster
from storage.clock import clock
from storage.keys import Keys
from storage.opinions import Draft

ROSTER = Path(__file__).parent / "demo_roster.csv"
FIRST_TELEGRAM_ID = 1001  # the demo's people are 1001, 1002, … in roster order


class Campaign:
    """The demo's storyteller: moves the clock to a day of the campaign and acts as a named
    person, through the bot's own storage calls."""

    def __init__(
        self, db: sqlite_utils.Database, keys: Keys, today: date, zone, language: str = "zh-CN"
    ) -> None:
        self.db, self.keys, self.today, self.zone = db, keys, today, zone
        self.reach = notices.Reach(db, language, zone)

    def on(self, days_from_today: int, hour: int = 10) -> date:
        day = self.today + timedelta(days=days_from_today)
        clock.freeze(datetime.combine(day, time(hour), tzinfo=self.zone))
        return day

    def person(self, name: str) -> people.Person:
        row = self.db.execute("select id from people where name = ?", [name]).fetchone()
        return people.by_id(self.db, row[0])

    def opinion(self, day: int, category: str, department: str, text: str) -> str:
        submitted_on = self.on(day, 20)
        draft = Draft(category=category, department_id=people.department_id(self.db, department), text=text)
        opinion_id, _receipt = opinions.submit(self.db, draft, None, self.keys, submitted_on)
        self.on(day + 1, 9)
        opinions.release_batch(self.db)
        return opinion_id

    def listed(self, day: int, opinion_id: str) -> int:
        self.on(day, 10)
        problem_id = problems.from_opinion(self.db, opinion_id, self.person("赵文静").id)
        notices.problem_listed(self.reach, problem_id)
        return problem_id

    def created(self, day: int, title: str, who: str, **fields) -> int:
        """The office lists a problem by hand; the leaders are told."""
        self.on(day)
        problem_id = problems.create(self.db, title, self.person(who).id, **fields)
        notices.problem_listed(self.reach, problem_id)
        return problem_id

    def answer(self, day: int, opinion_id: str, text: str) -> None:
        """The office closes an opinion with its answer (once its problem is fixed)."""
        answered_on = self.on(day, 16)
        opinions.close(self.db, opinion_id, self.person("赵文静").id, text, answered_on)

    def act(self, day: int, problem_id: int, action: str, who: str | None, **fields) -> None:
        self.on(day, 15 if action in ("report", "request_closure") else 11)
        actor = self.person(who) if who else None
        if action in ("claim", "report"):
            fields["actor_id"] = actor.id
        problem = problems.act(self.db, problem_id, action, actor, **fields)
        tell = TOLD.get(action)
        if tell:
            tell(self.reach, problem, *([fields.get("text", "")] if action == "return" else []))

    def dispatch(
        self, day: int, problem_id: int, leader: str, department: str, deadline_day: int, measures: str
    ) -> None:
        self.act(day, problem_id, "claim", leader)
        self.act(
            day,
            problem_id,
            "dispatch",
            leader,
            measures=measures,
            department_id=people.department_id(self.db, department),
            deadline=self.today + timedelta(days=deadline_day),
        )

    def look_back(self, day: int, problem_id: int, ballots: dict[str, int], finish: bool) -> None:
        started_on = self.on(day, 9)
        lookback = lookbacks.start(self.db, problem_id, "30d", started_on, 14)
        for choice, count in ballots.items():
            for _ in range(count):
                lookbacks.vote(self.db, lookback.id, f"demo:{secrets.token_hex(4)}", choice, started_on)
        if finish:
            self.on(day + 13, 9)
            lookbacks.finish(self.db, lookback.id, 5, Fraction(1, 3))


# What each action of the story tells, as the chat handlers do (the notices layer decides who).
TOLD = {
    "claim": notices.problem_claimed,
    "dispatch": notices.problem_dispatched,
    "explain": notices.problem_explained,
    "close": notices.problem_closed,
    "return": notices.problem_returned,
}


def seed(db: sqlite_utils.Database, keys: Keys, today: date, zone, language: str = "zh-CN") -> None:
    """Seed a fresh database once. The story moves the clock; it is reset to the real time at
    the end."""
    if people.everyone(db):
        return
    roster.apply(db, roster.parse(ROSTER.read_bytes()), None)
    campaign = Campaign(db, keys, today, zone, language)
    try:
        for story in STORIES:
            story(campaign)
        for name in ("王建国", "李明华", "张海涛", "赵文静", "苗迪"):
            digests.record_digest(
                db,
                campaign.person(name).id,
                datetime.combine(today - timedelta(days=1), time(8, 30), tzinfo=zone),
            )
        # The invented history's ballots are not anyone's: written now, not kept waiting in
        # memory for voters who will never come (a restart would lose them).
        anonymous_pool.pool_for(db).write_invented_history()
    finally:
        clock.reset()


# ---- the stories, one per situation ------------------------------------------------------


def outpatient_process(c: Campaign) -> None:
    """Closed, looked back after a month: the fix holds."""
    opinion = c.opinion(
        -58,
        "医疗服务",
        "门诊部",
        "门诊挂号、缴费、取药要排三次队，老人来回跑。建议优化就医流程，增加自助机和导诊人员。",
    )
    problem = c.listed(-56, opinion)
    c.dispatch(-55, problem, "李明华", "门诊部", -40, "增设自助机 6 台、导诊台 2 处，推行诊间缴费")
    c.act(-50, problem, "report", "周晓燕", text="已安装自助机 4 台，诊间缴费试运行", percent=60)
    c.act(-46, problem, "request_closure", "周晓燕", text="自助机 6 台全部启用，诊间缴费覆盖全部诊室")
    c.act(-45, problem, "close", "赵文静")
    c.answer(-45, opinion, "已增设自助机 6 台、导诊台 2 处，诊间缴费覆盖全部诊室。谢谢您的意见。")
    c.look_back(-15, problem, {"satisfied": 7, "basic": 2, "unsatisfied": 1}, finish=True)


def signposts(c: Campaign) -> None:
    """Closed, but the look-back found it not fixed: reopened, waiting to be dispatched again."""
    problem = c.created(
        -52, "门诊指示标识不清，患者找不到检验科和放射科", "赵文静", category="医疗服务", source="meeting"
    )
    c.dispatch(-51, problem, "李明华", "门诊部", -38, "更换门诊楼层导视牌，地面加贴指引线")
    c.act(-45, problem, "request_closure", "周晓燕", text="导视牌已更换")
    c.act(-44, problem, "close", "赵文静")
    c.look_back(-14, problem, {"satisfied": 1, "basic": 2, "unsatisfied": 4}, finish=True)


def bicycle_shed(c: Campaign) -> None:
    """In progress, on time, with two progress reports."""
    opinion = c.opinion(
        -40,
        "其他",
        "后勤保障科",
        "职工自行车棚顶棚破损，堆满废旧车辆，下雨天车都淋湿；电动车乱拉电线充电，有安全隐患。",
    )
    problem = c.listed(-38, opinion)
    c.dispatch(-37, problem, "张海涛", "后勤保障科", 12, "清理废旧车辆，维修顶棚，安装集中充电桩")
    c.act(-30, problem, "report", "吴磊", text="已清理废旧自行车 46 辆，张贴认领公告", percent=30)
    c.act(-6, problem, "report", "吴磊", text="顶棚维修完成，充电桩招标中", percent=60)


def canteen(c: Campaign) -> None:
    """The department asks to close it; the office has yet to decide."""
    opinion = c.opinion(
        -36, "其他", "后勤保障科", "职工食堂菜品单一，一周几乎不变样；夜班同事下班后吃不上热饭。"
    )
    problem = c.listed(-35, opinion)
    c.dispatch(-34, problem, "张海涛", "后勤保障科", 3, "每周公布菜谱、增加品种，开设夜班餐")
    c.act(-20, problem, "report", "吴磊", text="每周菜谱已在公众号公布，新增面食窗口", percent=70)
    c.act(-2, problem, "request_closure", "吴磊", text="夜班餐 22:00—23:30 供应，满意度调查 92% 满意")


def night_patrol(c: Campaign) -> None:
    """Dispatched and now overdue: the red line of every digest."""
    opinion = c.opinion(
        -33, "工作作风", "后勤保障科", "夜间门卫经常不在岗，住院部后门晚上没人巡查，家属随意进出。"
    )
    problem = c.listed(-32, opinion)
    c.dispatch(-31, problem, "张海涛", "后勤保障科", -4, "引入外包保安充实门卫及夜巡队伍，制定夜巡签到制度")


def surveillance(c: Campaign) -> None:
    """Asked to close, sent back by the office: working on it again."""
    opinion = c.opinion(
        -30, "其他", "后勤保障科", "住院部走廊和停车场有好几个摄像头坏了很久，出了事查不到录像。"
    )
    problem = c.listed(-29, opinion)
    c.dispatch(-28, problem, "王建国", "后勤保障科", 9, "全面排查监控点位，修复损坏摄像头，建立每日巡检制度")
    c.act(-10, problem, "request_closure", "吴磊", text="已修复摄像头 11 个")
    c.act(-9, problem, "return", "赵文静", text="巡检制度尚未建立，请补充制度文件")


def reading_room(c: Campaign) -> None:
    """Closed a month ago; its look-back is open now and the department is voting."""
    opinion = c.opinion(-50, "其他", "组织人事科", "职工书屋常年锁着，书都很旧，想借书找不到人开门。")
    problem = c.listed(-49, opinion)
    c.dispatch(-48, problem, "王建国", "组织人事科", -33, "整修职工书屋，每周二、四开放，开展送书活动")
    c.act(-35, problem, "request_closure", "赵文静", text="书屋已整修，新购图书 800 册，每周二、四开放")
    c.act(-34, problem, "close", "苗迪")
    c.answer(-34, opinion, "职工书屋已整修，新购图书 800 册，每周二、四 12:00—14:00 开放。")
    c.look_back(-3, problem, {"satisfied": 2}, finish=False)


def forms(c: Campaign) -> None:
    """Just listed from an opinion: no leader has claimed it yet."""
    opinion = c.opinion(-4, "形式主义", "医务科", "各种检查表格重复填报，同一份数据一周要报给三个科室。")
    c.listed(-3, opinion)


def reimbursement(c: Campaign) -> None:
    """Claimed by a leader, not yet dispatched."""
    opinion = c.opinion(-6, "官僚主义", "院办", "报销审批要五个人签字，领导出差就卡住，一拖一个月。")
    problem = c.listed(-5, opinion)
    c.act(-4, problem, "claim", "李明华")


def escort_beds(c: Campaign) -> None:
    """Cannot be fixed now: explained, to be reviewed when the new ward opens."""
    opinion = c.opinion(-25, "医疗服务", "住院部", "住院部夜间陪护床位不够，家属只能睡在走廊里。")
    problem = c.listed(-24, opinion)
    c.act(-23, problem, "claim", "王建国")
    c.act(
        -22,
        problem,
        "explain",
        "王建国",
        reason="需待新病房楼投用后解决，先增配折叠陪护椅 40 张",
        review_on=c.today + timedelta(days=120),
    )


def hot_water(c: Campaign) -> None:
    """Due in two days: amber."""
    problem = c.created(
        -12, "住院部开水间热水供应不足，早晚高峰排长队", "苗迪", category="其他", source="inspection"
    )
    c.dispatch(-11, problem, "王建国", "住院部", 2, "更换大容量开水器，错峰供应")
    c.act(-5, problem, "report", "孙丽", text="开水器已采购，待安装", percent=40)


def consultations(c: Campaign) -> None:
    """Plenty of time left: green."""
    problem = c.created(
        -9, "院内会诊响应慢，急会诊超过 30 分钟", "苗迪", category="工作作风", source="self_check"
    )
    c.dispatch(-8, problem, "李明华", "医务科", 24, "修订会诊制度，急会诊 10 分钟到位并纳入考核")


def opinions_only(c: Campaign) -> None:
    """Opinions that did not become problems: one answered and published, one waiting."""
    answered = c.opinion(-20, "工作作风", "护理部", "护士连续夜班太多，排班表不公开，调班很难。")
    c.on(-18, 14)
    office = c.person("赵文静").id
    opinions.close(
        c.db,
        answered,
        office,
        "护理部已公开排班表，连续夜班不超过 3 个，调班可在系统申请。",
        c.today - timedelta(days=18),
    )
    opinions.publish(c.db, answered, office)
    c.opinion(-2, "工作作风", "门诊部", "门诊个别医生上午迟到，患者八点就在诊室外排队等候。")


STORIES = (
    outpatient_process,
    signposts,
    reading_room,
    bicycle_shed,
    canteen,
    night_patrol,
    surveillance,
    escort_beds,
    hot_water,
    consultations,
    reimbursement,
    forms,
    opinions_only,
)
