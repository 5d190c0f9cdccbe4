"""How the category and the department of the labelled hotspot opinions were filled in (issue #22,
third round): as a submitter would pick them, from the text as it reads (keyword rules, in the
order a submitter's eye would catch them), a fifth chosen otherwise at random (people are
inconsistent), the department left empty for about half and a random one for some. The true
group is never read. Run once; running it again writes the same columns (a fixed seed).

    .venv/bin/python bench/hotspots_filed.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotspots.engine import normalize  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CATS = ("形式主义", "官僚主义", "享乐主义", "奢靡之风", "医疗服务", "工作作风", "其他")
CAT_RULES = [
    ("奢靡之风", "公款 吃喝 宴请 聚餐 接待 购物卡 送礼 高档 奢 公车 公务车 私用 大吃大喝"),
    ("形式主义", "形式 走过场 开会 会议 会海 填表 表格 台账 材料 报表 评比 展板 留痕 打卡 总结 迎检"),
    ("官僚主义", "官僚 审批 签字 盖章 领导 院长 班子 推诿 踢皮球 没人管 石沉大海 门难进 层层 拖着"),
    ("享乐主义", "打牌 玩手机 上班时间 睡觉 偷懒"),
    ("工作作风", "态度 不耐烦 生硬 冷淡 发火 训人 难听 红包 回扣 迟到 早退 停诊 脱岗 不在岗 作风"),
    (
        "医疗服务",
        "挂号 预约 排队 缴费 取药 拿药 报告 检查 ct 核磁 彩超 b超 胃镜 床位 病房 病人 患者 看病 门诊 住院 就医 家属 医保 号源 候诊 探视",
    ),
]
DEPTS = [
    ("保卫科", "保安 门卫 巡逻 夜巡 监控 摄像 偷 被盗 失窃 消防 灭火器 闹事 门岗"),
    ("医学影像科", "ct 核磁 彩超 b超 胃镜 肠镜 影像 图像"),
    ("检验科", "报告 化验 检验 血常规"),
    ("药剂科", "药房 取药 拿药 发药"),
    ("信息中心", "系统 网络 网速 电脑 his 公众号 小程序 小进程 网上 线上 微信"),
    ("人事科", "职称 晋升 评聘 竞聘 评优 名额"),
    ("财务科", "报销 加班费 值班费 夜班费 补贴 补助 收费 缴费 发钱"),
    ("院办", "会议 开会 材料 填表 表格 台账 公车 公务车 接待"),
    ("门诊部", "挂号 门诊 导诊 指示牌 候诊 排队 窗口 坐诊 停诊"),
    ("护理部", "护士 病房 陪护 探视"),
    (
        "后勤保障部",
        "食堂 车棚 自行车 电动车 停车 热水 电梯 空调 暖气 厕所 卫生间 宿舍 值班室 饮水机 开水 灯 书屋",
    ),
]

DEPT_NAMES = [d for d, _ in DEPTS] + ["医务科", "纪检监察室", "党委办公室"]


def pick(rules, plain):
    for name, words in rules:
        if any(w in plain for w in words.split()):
            return name
    return None


def main():
    r = random.Random(2026)
    for name in ("tune", "test", "fresh"):
        path = DATA / f"hotspots_{name}.tsv"
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                out.append(line.replace("# group\ttext", "# group\tcategory\tdepartment\ttext", 1))
                continue
            if not line.strip():
                out.append(line)
                continue
            group, text = line.split("\t", 1)
            text = text.split("\t")[-1]  # written before: the text is the last column
            plain = normalize(text)
            category = pick(CAT_RULES, plain) or "其他"
            if r.random() < 0.2:  # chosen otherwise: most often a neighbouring choice
                category = r.choice(("医疗服务", "工作作风", "其他") if r.random() < 0.7 else CATS)
            department = ""
            if r.random() < 0.5:
                department = pick(DEPTS, plain) or ""
                if not department or r.random() < 0.15:
                    department = r.choice(DEPT_NAMES) if r.random() < 0.5 else ""
            out.append(f"{group}\t{category}\t{department}\t{text}")
        path.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
