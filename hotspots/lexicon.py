"""The things opinions in a hospital's rectification campaign are about, each with the words
people use for it. Two opinions about the bike shed share few words (车棚太乱 / 石棉瓦破了 /
腳踏車淋雨); they share the concept. A concept is matched as a substring of the text folded to
simplified Chinese, so it holds whatever segmentation does.

Written from the campaign documents (seeds: 整顿清理自行车棚, 丰富食堂膳食, 门卫及夜巡,
视频监控, 职工书屋, 优化就医流程, 会议文件精简 …), common hospital complaints, and the tuning
half of the labelled set (tests/data/hotspots_tune.tsv). One phrase came from the test half's
errors (预约挂号, third round: 挂号 in 网上预约挂号 had named the registration queue), and the
third round added the campaign's words that no labelled opinion used (see README, Hotspots).
Blind round (#22): widened from hospital and bureau life as a whole (pay: overtime, night
allowance, performance bonus; leave; staffing; retirees; check-ups; documents, reports, photos
for the record, study notes, inspections; e-bike charging apart from the shed; parking fees
apart from parking places; price as an aspect; red envelopes apart from kickbacks; services met
once: patients' meals, discharge, scalpers, record copies, wheelchairs, contract staff, cadre
selection, training places), written while looking at our own three files and the tuning half
of the blind set only, never its test half (the last list after the one-offs of that half had
been merged into groups they resemble); generic words that named the wrong thing there were
taken out (一线, 结果, 层层, 卫生 inside 卫生院, 财务, bare 补贴 and 体检).
Round 3 (#22): widened from domain knowledge, not from the files, to the bureaus, township
and community health centres and district offices whose staff write a third of the opinions
(service windows, rankings, app tasks, work chats, village stationing, village doctors, public
health, family doctors, vaccination, health insurance, secondment, duty watch, petitions, the
12345 hotline, grid workers, field transport, idle and old equipment, procured drugs, pay,
dormitories, commuting, childcare, attendance, the seeds' 小金库 / 院务公开 …) and to hospital
problems neither labelled file holds much of (violence against staff, trainees, medical waste,
infusion rooms, referral, DRG cost control, rosters, outsourcing, overtreatment …); canteen
price a subject; 夜班费 the night allowance. Every addition was kept only where it left both our
files and the blind file as they were or better; the forms a Taiwan or Hong Kong text of a
phrase folds to (健康檔案 → 健康文件) are written here too (tests/test_hotspots.py lists any missing).
An office can extend it; a word in two concepts counts for both, and a word inside a longer one
found at an overlapping place counts only for the longer (夜班费 is pay, not 夜班). The phrases
are matched as written and as folded (OpenCC changes 影像 to 图像 in simplified text)."""

from __future__ import annotations


def _p(words: str) -> tuple[str, ...]:
    """A concept's phrases, written as one space-separated line."""
    return tuple(words.split())


CONCEPTS: dict[str, tuple[str, ...]] = {
    # --- vehicles and where they stand ------------------------------------------------------
    "bike_shed": _p(
        "停车棚 电动车棚 电瓶车棚 自行车 自行车棚 车棚 单车 脚踏车 僵尸车 废旧车 废弃车 破车 烂车 非机动车 "
        "棚子 车子东倒西歪 没人骑 推不进去 推不出来"
    ),
    # charging e-bikes (fire risk, charging points) is a problem of its own, apart from the shed
    # where bikes stand; 电动车 itself names neither
    "ebike_charging": _p(
        "充电 充电桩 充电柜 充电口 充电插座 充电线 电瓶 飞线 私拉电线 私拉乱接 乱拉电线 拉电线 拉线 插线板 "
        "锂电池 蓄电池 电池起火 冒烟"
    ),
    "car_parking": _p(
        "停车位 车位 停车场 停车难 停车区 停车 社会车辆 外来车 外来车辆 乱停乱放 没处停 没地方停 找车位 "
        "抢车位 贴条 职工车位 专用车位 找不到位置 找不到地方停 停外面 停到外面 路边停"
    ),
    # what parking costs: a fee is one problem, finding a place another
    "parking_fee": _p(
        "停车费用 停车贵 停车太贵 收费停车 停车费 停车收费 收停车费 停车场收费 停车场的收费 停车也要收费 "
        "停车要收费 停车收钱 月卡 停车优惠 免费停车 减免停车"
    ),
    # --- the canteen ------------------------------------------------------------------------
    # what the canteen serves and how it tastes
    "canteen_menu": _p(
        "承包给个人 食堂承包 食堂外包 食堂外包以后 又咸又油 太咸太油 又油又腻 食堂的饭 饭菜质量 饭不好吃 "
        "菜不好吃 没有胃口 营养 不换样 换花样 同样的东西 清淡 又油又咸 太咸 太油 油腻 不新鲜的菜 膳食 伙食 "
        "饭菜 菜品 菜谱 品种 难吃 不好吃 口味 花样 夹生 荤菜 吃腻 吃吐 吃不饱 没油水 油水 一样的菜 老几样 "
        "单一 厨师 承包商 换厨师 青菜 米饭 凉的 质量下降"
    ),
    "canteen_hours": _p(
        "只管中饭 晚饭不开 不开晚饭 没有晚饭 晚上不开 去晚了 晚了就没 收摊 留一份饭 泡方便面 方便面 泡面 "
        "延长供餐 开饭 供餐 留饭 夜宵 夜餐 夜班餐 饿肚子 饿着肚子 没饭 没饭吃 吃不上 关门 不开门 吃饭没着落 "
        "就关了 关得早 营业时间 开饭时间 饭点 订餐 送餐 送到科室 热饭 错过饭点"
    ),
    "canteen_kitchen": _p(
        "后厨 打菜 餐具 餐盘 碗筷 筷子 洗碗 消毒柜 头发 虫子 蟑螂 异物 变质 发霉 不新鲜 馊 拉肚子 "
        "食物中毒 健康证 洗不干净 油乎乎 霉点 不戴口罩 不戴帽子 吃出"
    ),
    # what a meal in the canteen costs (and how much is on the plate for it): a problem apart
    # from what is cooked; price as such stays an aspect (食堂 and 停车场 both cost too much)
    "canteen_price": _p(
        "食堂的饭太贵 食堂的菜太贵 饭太贵 一个菜十几块 一个菜要 饭菜太贵 饭菜贵 饭菜也贵 饭菜又贵 "
        "伙食太贵 吃饭太贵 菜价 饭价 饭菜价格 饭菜的价格 食堂价格 食堂的价格 食堂涨价 食堂又涨价 "
        "食堂太贵 食堂贵 伙食费 餐费 份量 分量少 分量太少 一份素菜 一份荤菜 一荤一素 块钱一份 一顿午饭 "
        "饭钱 比外面 菜量 菜量少 量少 就四块肉"
    ),
    "price": _p("饭卡 餐卡 餐补 价格 涨价 调价 太贵 还贵 贵了 成本 收费太高 太高了 价格偏高 偏贵"),
    "hygiene": _p("卫生差 卫生太差 不卫生 卫生状况 苍蝇 老鼠 消毒 油污 脏 异味 臭 蚊子 味道 发黑"),
    # --- safety -----------------------------------------------------------------------------
    "guard_patrol": _p(
        "门卫 夜巡 巡逻 保安 门岗 保卫 保衞 安保 外来人员 闲杂人员 闹事 门禁 随便进 随便进出 随意进出 推销 "
        "小广告 醉汉 喝醉 醉酒 拦不住"
    ),
    "cctv": _p("监控 摄像 探头 监视器 录像 视频监控 死角 天眼"),
    "theft": _p("丢东西 偷 被撬 小偷 失窃 丢了 被盗 拿走 丢失 盗窃"),
    "fire_safety": _p("消防 灭火器 安全出口 火灾 杂物 堵塞 堵住 配电箱 消防通道 疏散"),
    "lighting": _p(
        "楼道黑 黑灯瞎火 灯坏 灯不亮 灯也不亮 路灯 楼道灯 楼梯灯 灯光 没有灯 照明 漆黑 黑漆漆 摸黑 "
        "一片黑 灯管 灯管坏了 应急灯"
    ),
    "smoking": _p("吸烟 抽烟 烟头 烟味 禁烟 无烟 二手烟 控烟"),
    # --- staff life -------------------------------------------------------------------------
    "library": _p("图书室 阅览室 书屋 借书 借阅 书籍 送书 期刊 看书 书角"),
    "extra_pay": _p(
        "值班补贴 值班补助 值班的补贴 值班的补助 值班津贴 加班津贴 节假日补贴 加班费 加班工资 加班补贴 "
        "加班补助 加班报酬 值班费 加班"
    ),
    # the night-shift allowance: its amount and when it is paid
    "night_allowance": _p(
        "夜班费 夜班补助费 夜班的补贴 夜班标准 夜班补贴 夜班津贴 夜班补助 夜班工资 夜班的钱"
    ),
    "perf_bonus": _p(
        "收入差距 绩效差距 绩效差得 心里不平衡 干多干少一个样 干好干坏一个样 干多干少 干好干坏 拿一样的钱 "
        "没有激励 两个允许 绩效总量 公益一类 公益二类 奖金分配 科室奖金 年终奖 绩效奖 绩效 奖金 二次分配 "
        "绩效工资 奖励性绩效 绩效考核 绩效方案 绩效分配 分配方案 收入分配 大锅饭 平均主义 工资条"
    ),
    "leave": _p(
        "调休 攒了 年假 年休假 带薪年休假 休假 请假 请个假 事假 病假 产假 婚假 补休 休不了 假期 攒着 作废"
    ),
    "staffing": _p(
        "连续工作 人员严重不足 人手严重不足 一人多岗 身兼数职 一人多职 待不住 调回城里 往县里调 "
        "留不住干部 挖走 被挖走 挖人 培养一个走一个 一个人管整个 一个人看几十 一个医生管 一个医生看 "
        "人手太少 一个人干 一个人要干 三个人的活 几个人的活 人都走光 人都走了 走光了 忙不过来 一个护士当 "
        "一个护士要管 只有两个护士 一个人顶 人不够 多招点人 多招人 留不住人 人才流失 留不住 招不来 "
        "引不进 人才引进 定向生 跳槽 人员外流 缺编 空编 护士紧缺 护理人力 人力不足 没人手 顶班 人手不够 "
        "人手不足 人手紧 缺人 人员不足 人员紧张 护士太少 护士不够 护士少 医生太少 医生不够 床护比 "
        "护理人员 编制不够 招不进来 招不到人 辞职 离职 流失 撑不住 累垮 超负荷 连轴转 一个护士管 "
        "人力配置 缺口 护士缺口 不补人 补人 配齐 后继无人 人才断档 断档 谁愿意来 没人愿意来 年轻人待不住 "
        "就两个护士 只有一个护士 就一个护士 就一个医生 只有一个医生"
    ),
    "retirees": _p("退休 离退休 退休职工 退休人员 老干部 重阳节 老同志"),
    "staff_checkup": _p(
        "组织体检 体检走过场 体检报告 体检的结果 体检结果 每年的体检 年年体检 单位体检 体检就 每年体检 "
        "年度体检 体检就是 体检的项目 职工体检 体检项目 体检套餐 筛查"
    ),
    "duty_room": _p(
        "上下铺 眯一会儿 躺一会儿 眯一会 休息的地方 值班室 值班房 值班床 床铺 被子 床单 被套 床板 休息室"
    ),
    "union": _p("工会 集体活动 团建 春游 秋游 文体活动 登山 徒步"),
    # --- the campaign's four styles (formalism and the rest) --------------------------------
    "meetings": _p(
        "散会 开个会 几个会 三四个会 四五个会 会议记录 视频会议 电视电话会议 层层开会 以会议落实会议 "
        "会议套会议 会议多 会议太多 会议 开会 会海 文山会海 院周会 学习会 动员会 推进会 视频会 陪会 会多 "
        "会太多 传达会 例会 质控会 安全会 念稿子 念文件 开短会 少开会 开完会 开三次会 周会 党支部学习 "
        "三个会 两个会 五个会 一个接一个的会 周五下午开 开会开到"
    ),
    "documents": _p(
        "以文件落实文件 文件满天飞 发文多 文件 转发 层层转发 原封不动 发文 红头文件 签收 文件多 文件太多 oa "
        "公文 传阅"
    ),
    "paperwork": _p(
        "限时报送 今天通知明天 明天就要 来不及核实 瞎编 写个汇报材料 写汇报材料 改汇报材料 写材料 改材料 "
        "反复修改 文字材料 改稿 材料反复修改 改了十几遍 演示文稿 简报 达标活动 达标 节庆 多头填报 "
        "重复填报 重复录入 多个系统 几个系统 各个系统 多个平台 几个平台 各种平台 数据不互通 不互通 "
        "信息孤岛 平台填报 系统填报 同一个数据 同样的数据 报表多 报表太多 表格多 填表 表格 台账 材料 "
        "报表 数据 评比 表彰 总结 展板 填报 报送 报材料 统计表 月报 周报 重复报 反复报 手工统计 做表 "
        "报数 报同样的 同样的信息 报了好几遍 报好几遍 格式还不一样 格式不一样 格式不同 换个格式 填表负担"
    ),
    "trace_photos": _p(
        "截屏 定位打卡 打卡定位 刷屏 留痕 拍照 照相 摆拍 拍照留痕 打卡 截图 合影 合照 横幅 定位 水印 "
        "照片 发工作群 发群里 发到群里 晒图 痕迹管理 过度留痕 迎检留痕 工作痕迹 拍视频 合影上传 拍照上传 "
        "上传照片 拍照接龙 接龙"
    ),
    "study_formalism": _p(
        "业务考试 题目提前 背背就能过 培训考试 在线培训 刷课 挂机 学时 网络培训 线上培训 刷学分 学分 "
        "学习考试 考前发答案 学习搞成 学习打卡 三会一课 主题党日 党员积分 学习任务 学习心得 读后感 抄写 笔记 "
        "学习笔记 读书笔记 手抄 抄笔记 心得 心得体会 学习强国 学习app 积分 刷分 理论学习 政治学习 字数 "
        "不少于 网上抄 抄的 学习形式化 学习效果"
    ),
    # from the campaign documents' wording (形式主义 / 官僚主义 / 享乐主义 / 奢靡之风), written before
    # any labelled opinion used them: inspections piled on the wards, passing the buck, idling on
    # duty, trips and offices and feasts at public expense
    "inspections": _p(
        "院感督查 院感检查 院内感染检查 补数据 补资料 准备迎检 检查组 只看材料 不看现场 创文 创卫 创城 "
        "文明城市 卫生城市 迎创 督查检查 重复督查 多头督查 明察暗访 检查过多 检查太多 上面来检查 "
        "上级来检查 检查前 检查完 检查一走 迎接上级检查 应付上级 督查 督导 迎检 迎评 迎评迎检 迎接检查 "
        "应付检查 检查考核 考核检查 多头检查 暗访 补台账 补材料 补病历 补签字 应知应会 评审前 创建 "
        "考核材料 现编 突击补 上面要来检查"
    ),
    "competitions": _p("运动会 体育比赛 比赛 竞赛 演讲 知识竞赛 技能比武 比武 汇演 排练"),
    "outreach": _p(
        "巡回医疗车 流动医疗车 医疗车 巡回医疗 派驻专家 下派专家 派来的专家 专家一周 医联体 巡诊 义诊 "
        "下乡义诊 对口支援 对口帮扶 送医下乡 专家下沉 坐诊下沉 多点执业"
    ),
    "buck_passing": _p(
        "属地负责 责任全压 压到基层 有责无权 权责不对等 像求人 求人办事 去求人 得求人 求爷爷告奶奶 甩锅 "
        "层层甩锅 属地管理 责任下移 转了一大圈 转一大圈 找人事科 没人管的事 跑腿 跑来跑去 互相推诿 推诿 "
        "踢皮球 扯皮 推来推去 互相推 不作为 不担当 跑五个科室 一站式 首问负责 事难办 办事难 办事效率 "
        "不归我们管 不归我管 不归他们管 不是我们管 转一圈 找不到负责的人 找不到负责人 没人负责 都说不归 "
        "推给"
    ),
    "idling": _p(
        "庸懒散 作风散漫 不想干事 不愿干事 混日子 出工不出力 磨洋工 懒政 慵懒 上班聊天 上班时间聊天 "
        "上班玩手机 炒股 看视频 看电视剧 玩手机 刷手机 打游戏 玩游戏 网购 串岗 睡岗 干私活 才到岗 不见人 "
        "刷抖音 斗地主 看剧 在睡觉 上班睡觉 中午喝酒 喝了酒 酒味 没人理"
    ),
    "junkets": _p(
        "外出学习考察 学习考察 考察学习 外出考察 公款旅游 变相旅游 旅游 考察为名 出国考察 游山玩水"
    ),
    "office_space": _p(
        "超标办公用房 办公室面积 多占办公用房 一人多间 独立办公室 办公室超标 套间 装修得 办公用房 办公室装修 "
        "豪华装修 办公家具 豪华 宾馆 办公室又大 行政楼 超标准 超面积"
    ),
    "weddings_gifts": _p("大操大办 婚丧喜庆 升学宴 礼金 份子钱 随份子"),
    "gifts": _p(
        "送东西 过节送 穿小鞋 送购物卡 收受礼品 礼品卡 消费卡 送礼 收礼 购物卡 礼品 礼物 拜年 烟酒 土特产 "
        "打点 送钱"
    ),
    "temperature": _p("空调 冷气 暖气 制冷 供暖 太冷 太热 冻得 闷热 冰窖 滴水 热得"),
    "signage": _p(
        "指示牌 标识 标志 标牌 指引 找不到科室 找不到地方 找不到路 转来转去 难找 导诊 分布图 指路 路标 迷路 "
        "搬迁"
    ),
    "red_envelope": _p("红包 包红包 收红包 塞红包 塞钱 感谢费 意思一下 拒收"),
    "kickbacks": _p(
        "医药代表 药代表 厂家代表 药商 医药公司 药企 器械商 耗材 商业贿赂 回扣 好处 药代 器械代表 统方 "
        "带金销售 大处方 推销药"
    ),
    "public_car": _p(
        "加油卡 油卡 公车私用 开公车 公车接送 公车加油 私事用车 车辆管理 公车 公务车 公务用车 私用 派车 "
        "车辆使用 医院的车 单位的车 私人司机 接送孩子 司机 单位车 不入库 车辆不入库 公车不入库 停在领导"
    ),
    "hot_water": _p("热水 洗澡 热水器 凉水 冷水 洗不了澡"),
    "drinking_water": _p("饮水机 开水 喝水 纸杯 滤芯"),
    "elevator": _p("电梯 扶梯 直梯"),
    "toilet": _p("厕所 卫生间 洗手间 公厕 蹲位 坑位 蹲坑 马桶 洗手液 卫生纸 擦手纸 厕纸 冲水"),
    # --- the clinic and the wards ------------------------------------------------------------
    "pharmacy": _p(
        "夜间药房 晚上没有药剂 拿个药 取个药 药房窗口 发药窗口 取药窗口 药房 西药房 中药房 取药 拿药 领药 "
        "发药 配药 药剂"
    ),
    "drug_supply": _p(
        "药没有进 医院没有进 没有进这个药 药品品种 药进不来 药品目录 配不到 开的药 药品短缺 短缺药 断供 "
        "药品配备 配备不全 用药目录 用药衔接 开不到药 拿不到药 配不到药 基本药物 基药 缺药 没有药 没药 断货 "
        "买不到药 外面药店"
    ),
    "reports": _p(
        "报告单 结果出来 等结果 出报告 报告 检验 化验 血常规 出结果 化验单 化验结果 检验报告 检查报告 拿报告 "
        "取报告 打印报告"
    ),
    "blood_draw": _p("抽血室 采血室 抽血窗口 抽血 采血 抽个血 抽完血 空腹"),
    "emergency": _p("急诊 急诊室 急诊科 分诊 预检分诊 抢救室"),
    "ambulance": _p("120 救护车 出车费"),
    # the office-facing mood: words about leaders, and leaders out of touch with the wards
    "leaders": _p("领导 院长 班子 院领导"),
    "leader_distance": _p(
        "走马观花 蜻蜓点水 安排好的点 提前安排好 很少到 不知道一线 一线的困难 到一线 了解一线 拍脑袋 "
        "拍脑袋决策 不了解一线 不了解实际 坐在办公室 坐办公室 不到科室 到科室看看 听取意见 见不到几次 "
        "离一线 脱离实际 脱离群众 不下基层 摆架子 架子大 打官腔 院长信箱 不接电话 没来过 很少来 很少下 "
        "接地气 下科室 下基层 深入临床 深入一线 到临床 来临床 去病房 听不进 听汇报 高高在上 官架子 "
        "见一面 见不到人 难得来 接待日 调研 领导门难进 领导接待日 见不到领导 找不到领导 路线安排好 "
        "都是准备好的"
    ),
    "approval": _p("审批 签字 盖章 审核 流程繁琐 层层签字 层层审批 批下来 批不下来 盖一个章"),
    "reimbursement": _p(
        "公务卡 报销难 报销慢 报销流程 差旅标准 住宿标准 报销标准 财务报销 报销 垫付 到账 打款 票据 差旅 "
        "差旅费 报账 发票 报销单"
    ),
    "night_shift": _p("夜班 值班"),
    "it_systems": _p(
        "掉线 系统卡 电脑卡 闪退 反应慢 网络 网速 系统 his 电子病历 电脑 服务器 卡顿 当机 死机 卡住 卡死 "
        "卡得 无响应 转圈 工作站 信息科 医嘱 病历系统 护理系统 崩了 系统崩 医生站 xt"
    ),
    "selfservice": _p(
        "自助打印 自助机器 自助打印机 自助机 自助挂号 自助缴费 自助挂号缴费机 自助设备 自助终端 吞卡"
    ),
    "promotion": _p(
        "轮流坐庄 优秀名额 年度考核 职称评审 职称晋升 评职称难 基层职称 职称聘用 岗位聘用 聘不上 论文要求 "
        "职称评定 晋级 职称 评聘 晋升 评优 评先 名额 暗箱 评审 评职称 聘任 中级 副高 正高 高级职称 论文"
    ),
    "recruitment": _p("招聘 招人 招录 编外人员 招考 录用 面试 关系户 内定 亲戚 招了"),
    "banquets": _p(
        "请客吃饭 招待 招待费 好酒 大餐 会议费 顶风作案 公款招待 公务接待 接待标准 超标接待 陪餐 陪吃 "
        "陪酒 接待费 工作餐 吃请 违规吃喝 公款 吃喝 公款吃喝 聚餐 接待 高档 八项规定 奢靡 请客 请吃饭 "
        "大吃大喝 宴请 酒店 一桌 开小灶 小灶 单独炒菜 包间 吃吃喝喝"
    ),
    "ward_noise": _p(
        "声音开得很大 声音太大 不戴耳机 戴耳机 吵闹 吵吵 开关门 关门声 探视 陪护 吵 噪音 大声 外放 安静 "
        "睡不着"
    ),
    "beds": _p("床位 加床 空床 一床难求 住不进"),
    "imaging_wait": _p(
        "做检查要等 预约检查 拍片 ct室 ct b超 彩超 核磁 核磁共振 磁共振 mri 胃镜 肠镜 影像科 放射科 检查预约 "
        "排满"
    ),
    "online_booking": _p(
        "在线挂号 在线预约 网上挂 线上预约 预约就诊 分时段预约 分时预约 预约时段 健康云 互联网医院 "
        "网上预约 微信预约 预约挂号 公众号 小程序 抢号 约满 网上挂号 手机挂号 线上挂号 预约平台 预约系统 "
        "约了号 预约了 短信通知 短信提醒 app wsgh 绑就诊卡 绑卡 刷脸 界面 操作太复杂"
    ),
    "registration": _p(
        "挂号难 挂不上 挂不到 挂个号 加号 预约号 现场号 当日号 号太少 一号难求 号不够 名医号 挂号 号源 放号 "
        "取号 专家号 挂上"
    ),
    "queue": _p(
        "等候时间 候诊时间 等了三个小时 等了几个小时 等了两个小时 叫号系统 叫号机 排队 排长队 排大队 排了 "
        "窗口 等很久 等半小时 叫号 太慢 插队 队伍 长龙 人挤人 干等"
    ),
    "payment": _p(
        "交个费 缴个费 先交钱 收费室 划价 诊间支付 扫码支付 手机支付 移动支付 缴费 交费 收费处 收费窗口 "
        "收费员 交钱 付钱 付费 付个钱 扫码付 结算 结账 医保"
    ),
    "billing": _p(
        "没有定价 物价局 物价部门 收不了钱 押金太高 押金太多 预交金 预交款 收费标准 费用清单 一日清单 乱收费 "
        "多收费 收费项目 收费不透明 价格公示 费用明细 比市医院"
    ),
    "attitude": _p(
        "打发 打发走 三两句 问两句 说不了几句 没说几句 看病太快 三分钟 讲话冲 说话冲 好好说话 态度差 "
        "态度不好 态度恶劣 没耐心 说话很冲 被骂 挨骂 呵斥 训斥 嫌弃 态度 耐心 耐烦 不耐烦 生硬 冷淡 "
        "说话难听 发火 训人 受气 爱答不理 爱理不理 冷言冷语 脸色难看 不解释 正眼 头都没抬 连头都没抬 "
        "看都没看 甩一句 凶 吼 大喊大叫 骂人 问诊不专心 看病不专心 不专心 老看手机 盯着手机 一直看手机 "
        "低头看手机 刷短视频 大夫刷"
    ),
    "doctor_absence": _p("迟到 早退 停诊 脱岗 考勤 坐诊 开诊 才来 上班晚 准时 出诊 离岗"),
    # services a patient meets once: kept apart from the queues and meals they resemble
    "inpatient_meals": _p(
        "住院病人的伙食 病人的饭菜 病人的伙食 病人订餐 住院伙食 营养餐 病号饭 病人餐 治疗饮食 糖尿病饮食 "
        "住院病人的饭 送到病房"
    ),
    "discharge": _p("办出院手续 出院手续 办出院 办理出院"),
    "scalpers": _p("号贩子 倒号 黄牛 炒号"),
    "medical_records": _p("复印病历 病历复印 病案室"),
    "wheelchair": _p("轮椅"),
    "contract_staff": _p(
        "没有编制 没编制 入编 考编 编制问题 临聘 临聘人员 聘用人员 聘用制 编外聘用 协管员 公益性岗位 "
        "公益岗 临时聘用 派遣工 劳务工 合同制 合同工 编外 在编 编制内 同工同酬 同工不同酬 人事代理 "
        "劳务派遣 临时工 编外的 八年还是临时工 归属感"
    ),
    "cadre_selection": _p(
        "晋升通道 提拔机会 股级 职级晋升 职级并行 中层干部 竞聘 提拔 干部选拔 选拔任用 任命"
    ),
    "training": _p(
        "进修 进修名额 培训名额 学习名额 外出学习 外出培训 继续教育 进修补助 进修费 学术会议 注册费 "
        "进修期间 外出进修 培训费"
    ),
    "formalism": _p(
        "减负 基层减负 为基层减负 留痕过度 形式大于内容 形式主义 形同虚设 流于形式 走过场 形式化 作秀 做样子"
    ),
    "bureaucratism": _p("官僚主义 门难进 脸难看 石沉大海"),
    # --- bureaus, township health centres, community centres, district offices (round 3, #22) --
    # written from how grassroots staff and bureau clerks talk about their work, before any
    # labelled opinion of theirs existed: the third writer's set is the held-out measure
    # the public at a service window: materials asked again and again, many trips, no one-stop
    "window_service": _p(
        "便民大厅 办事窗口 政务窗口 行政服务中心 审批大厅 缺一样 少一样 缺这缺那 材料不齐 补一份 补证明 "
        "又说缺 一次性说清 一次说清 办个证 办证 材料不全 缺材料 材料交了 交了材料 提交材料 申请材料 "
        "办事材料 中午不办 午休不办 延时服务 错时服务 周末办事 预约办理 群众来回跑 让群众跑 群众跑腿 "
        "窗口办事 办事大厅 政务大厅 政务服务 便民服务中心 服务大厅 一次办好 最多跑一次 一次性告知 "
        "一窗通办 一网通办 跑了三趟 反复补材料 材料反复 补交材料 奇葩证明 办事群众 窗口人员 窗口工作人员 "
        "帮办代办 好差评 办件 群众办事 不收件 收件 跑三趟 跑好几趟"
    ),
    # assessment by score and rank: indicators, league tables, one-vote vetoes, accountability
    "ranking": _p(
        "冲指针 完成指针 冲指标 完成指标 年底冲 汇报材料 考核全凭 全凭材料 年终考核 会写的比会干的 下指针 "
        "定指针 指针任务 末位淘汰 排名靠后 排名倒数 考核排名 排名通报 通报排名 一票否决 指标任务 下指标 "
        "定指标 摊派 层层加码 考核太多 考核过多 考核分数"
    ),
    # apps and online tasks pressed on staff: downloads, likes, votes, shares (指尖上的形式主义)
    "app_tasks": _p(
        "短视频 科普视频 播放量 拍短视频 写稿件 宣传任务 政务新媒体 新媒体 抖音 粉丝 阅读量 建公众号 "
        "转发点赞 全员转发 推文 单位公众号 公众号要求 政务软件 工作软件 手机软件 各种软件 十几个软件 "
        "每天登录 登录打卡 工作app 个app 公众号点赞 给公众号 下载量 注册率 激活率 推广任务 下载app 装app "
        "注册app 政务app 各种app app太多 多个app 好几个app 点赞 转发朋友圈 朋友圈 投票 拉票 刷票 刷量 "
        "关注公众号 指尖上的形式主义 指尖上 小程序太多 完成率"
    ),
    # the work chat that never sleeps
    "work_chat": _p(
        "工作群 微信群 钉钉群 群消息 群里通知 半夜发 深夜发 下班后发 @所有人 艾特 秒回 回复收到 24小时在线 "
        "随时在线 群太多"
    ),
    # village stationing: resident cadres, trips to the villages, paired assistance
    "village_work": _p(
        "帮扶手册 返贫监测 防止返贫 监测户 驻村 驻村干部 驻村工作队 工作队员 第一书记 下村 进村 进村入户 "
        "入户走访 包村 包片 结对帮扶 帮扶 帮扶户 帮扶对象 乡村振兴 防返贫 脱贫 两头跑"
    ),
    # village doctors: their pay, pension, the village clinic
    "village_doctor": _p(
        "零差率 药品补助 基本药物补助 基药补助 村医 乡村医生 村卫生室 村卫生所 村诊所 赤脚医生 村医待遇 "
        "村医补助 村医养老 村医工资 村医收入 一村一医 村医队伍 村医老龄化 一般诊疗费 公卫补助 "
        "基本公卫补助 村医补贴 老村医"
    ),
    # the basic public-health service: its tasks, follow-ups, health records (and faking them)
    "public_health": _p(
        "公卫经费 做公卫 老人体检 老年人免费体检 老年体检 六十五岁以上 65岁以上 健康文件 居民健康文件 "
        "居民文件 公卫指针 基本公卫 公共卫生服务 基本公共卫生 公卫任务 公卫考核 公卫项目 公卫指标 公卫资金 "
        "健康档案 居民健康档案 居民档案 电子档案 建档 建档率 档案造假 假档案 虚假档案 编档案 补档案 死档 "
        "随访 随访记录 慢病管理 慢病随访 老年人体检 重点人群 高血压患者 糖尿病患者"
    ),
    # the family-doctor contract: its signing quotas and contracts on paper only
    "family_doctor": _p(
        "签约指针 家庭医生 家签 签约率 签约服务 签而不约 签约居民 履约 签约任务 签约指标 家庭医生签约 "
        "签约团队 签约医生 签约记录 没签过 从来没签 服务包 签约服务包 上门服务 数字游戏"
    ),
    "vaccination": _p(
        "疫苗 冷链 冷链设备 接种 预防接种 打疫苗 接种门诊 疫苗接种 接种点 疫苗冰箱 温度记录 断链 儿童接种 "
        "接种证"
    ),
    # patients' health insurance: claims, out-of-area care, what it covers (not the pay window)
    "medical_insurance": _p(
        "医保刷卡 医保刷卡机 开通医保 看病不能报销 看病报不了 住院不能报销 医保定点 纳入医保 医保系统 "
        "就医报销 看病报销 住院报销 医药费报销 医保报销 异地就医 异地结算 异地备案 就医备案 转诊备案 "
        "报销比例 起付线 医保目录 门诊统筹 门特 慢特病 特殊病种 医保政策 医保局 医保额度 医保控费 自费药 "
        "医保电子凭证 直接结算 跨省 新农合 居民医保 参保 缴纳医保"
    ),
    # one card per hospital, the electronic health card, codes that do not scan
    "patient_card": _p(
        "电子健康卡 健康卡 就诊卡 诊疗卡 一卡通 办卡 实体卡 卡不通用 多卡 一人多卡 电子就诊卡 扫码就医 "
        "二维码 扫不出来 扫不上"
    ),
    # staff borrowed or seconded away from their posts
    "secondment": _p(
        "下沉社区 下沉任务 往社区跑 入户排查 非医疗 杂事 行政任务 顾不上本职 本职工作反而 被抽着 一直被抽 "
        "挂职 下乡挂职 驻点 秸秆禁烧 禁烧 拆迁 征地 人口普查 中心工作 非业务工作 与业务无关 抽去 被借去 借调 "
        "抽调 被抽调 长期借调 借用人员 下派 跟班学习 抽人 人被抽走 抽走 工作专班 专班 在岗不在编 在编不在岗"
    ),
    # duty and watch (值班值守) in offices: round-the-clock rosters, spot checks by phone
    "duty_watch": _p(
        "值班值守 带班 领导带班 24小时值班 二十四小时值班 防汛值班 防汛 节假日值守 查岗 电话查岗 抽查值班 "
        "值班抽查 值班电话 双岗"
    ),
    "petitions": _p("信访 上访 维稳 信访件 信访积案 信访事项 越级上访 缠访 闹访 信访考核 访民 接访"),
    # the citizens' hotline and its work orders
    "hotline": _p(
        "工单满意率 热线满意率 接通率 打不进去 打不通 占线 服务电话 便民服务电话 12345 热线 市长热线 工单 "
        "办结率 不满意工单 工单考核 热线工单 便民热线"
    ),
    "grid_workers": _p("网格员 网格 网格化 网格长 入格 网格事务 网格任务 专职网格员 兼职网格员"),
    # cars for field work: none to be had, one's own car and fuel
    "field_transport": _p(
        "没车用 打车 车费 车改以后 公车改革 车改 下乡用车 下村用车 用车难 没有车 没车 派不出车 车不够 "
        "自己开车 私车公用 自掏腰包 油费 交通补贴 车补 搭车 骑电动车下乡 跑乡下"
    ),
    # equipment bought and left unused
    "equipment_idle": _p(
        "一直放着 放着不用 买来不用 没用过 配的设备 配下来的设备 设备闲置 闲置 吃灰 落灰 没人会用 没人会操作 "
        "锁在库房 没开过机"
    ),
    "equipment_old": _p(
        "设备老旧 设备陈旧 设备老化 仪器老化 老旧设备 设备更新 更新设备 添置设备 采购设备 设备太旧 仪器太旧 "
        "机器老 老机器 设备落后"
    ),
    # drugs bought centrally: the chosen brands against the ones patients knew
    "procurement_drugs": _p(
        "集采 集采药 集采药品 带量采购 中选药 中选品种 原研药 仿制药 进口药 一致性评价 国产药"
    ),
    # pay as such (level, arrears), apart from overtime, night allowance and bonus
    "pay_level": _p(
        "工资比 收入比 待遇比 比县医院低 比城里低 工资低 工资太低 工资待遇 收入低 收入太低 待遇低 待遇差 "
        "待遇太低 薪酬 薪资 涨工资 调资 乡镇补贴 乡镇工作补贴 基层补贴 艰苦边远 工资拖欠 拖欠工资 欠薪"
    ),
    "dormitory": _p(
        "宿舍太挤 宿舍不够 宿舍紧张 单身宿舍 住宿条件 宿舍条件 分宿舍 没宿舍 住宿难 周转房 单身公寓 租房 "
        "住房补贴 没地方住 住的地方"
    ),
    "commute": _p(
        "半夜下班 打不到车 凌晨下班 下班回家 没有公共交通 班车太少 班车少 通勤时间 上下班要 职工班车 通勤车 "
        "通勤 接驳车 穿梭巴士 班车时间 上下班路上"
    ),
    "childcare": _p("孩子没人看 托管 托育 暑期托管 暑假托管 托儿所 幼儿园 职工子女 孩子放假"),
    "wifi": _p("wifi 无线网 无线网络 手机信号 信号差 没信号 连不上网 上不了网"),
    # village environment campaigns: clean-ups, waste sorting, the toilet revolution
    "village_environment": _p(
        "人居环境 环境整治 人居环境整治 环境卫生整治 农村环境 垃圾分类 厕所革命 改厕 村容村貌 大扫除"
    ),
    # --- more of hospital life (round 3): problems neither labelled file holds many of --------
    "violence_against_staff": _p(
        "被患者家属打 家属打了 被辱骂 辱骂 医闹 伤医 暴力伤医 打医生 打护士 殴打医护 辱骂医护 威胁医生 "
        "被家属打 被病人打 被打了 安检门 推搡 不让报警 挨打 挨过打 被打 打人 动手打 吐口水 息事宁人 "
        "给家属道歉"
    ),
    "trainees": _p(
        "规培生干的活 规培生补助 规培医生待遇 规培医生工资 规培医生补助 规培待遇 规培工资 规培补助 规培补贴 "
        "规培生待遇 规培生工资 规培考核 规培基地 带教 带教老师 带教费"
    ),
    "medical_waste": _p("医疗废物 医疗垃圾 医废 黄色垃圾袋 暂存点 利器盒 垃圾转运"),
    "infusion": _p("输液室 输液大厅 输液区 打点滴 吊瓶 输液的座位 输液椅 皮试"),
    "escort_beds": _p("陪护床 陪护椅 陪床 陪护费 陪护证 租床"),
    "visiting": _p("探视制度 探视时间 探视证 探视规定 不让探视 限制探视"),
    "accessibility": _p("无障碍 坡道 盲道 无障碍通道 无障碍卫生间 扶手 台阶太高"),
    "surgery_wait": _p("手术排期 排手术 等手术 手术排不上 手术室排不开 台次 接台 加台"),
    "referral": _p("转诊 双向转诊 上转 下转 转院 转上级医院 转不上去 下转病人 转诊单"),
    "cost_control": _p("医保办 医保审核 控费指针 drg dip 药占比 耗占比 次均费用 控费指标 医保扣款 超支扣款"),
    "rostering": _p(
        "排班看人情 排好班 排班看关系 排班凭关系 排班不公平 临时改班 排班随意 乱排班 排班表 排班不公 "
        "排班不合理 连续夜班 临时换班 临时调班"
    ),
    "outsourcing": _p(
        "保洁外包 外包以后 外包后 外包给 物业 物业公司 保洁公司 外包人员 保洁员 保洁阿姨 外包保洁"
    ),
    "caregivers": _p("护工 护工费 陪护公司 请护工 护工太贵"),
    "research_pressure": _p("科研指针 科研任务 科研考核 sci 科研压力 课题 科研指标"),
    "overtreatment": _p("过度检查 过度医疗 过度治疗 乱开检查 开一堆检查 不必要的检查 小病大治"),
    "clinic_hours": _p(
        "周末专家 周末不出诊 节假日只开 上班族 夜间门诊 周末门诊 节假日门诊 双休日门诊 中午门诊 午间门诊 "
        "弹性门诊 门诊时间 周六周日不开门 周末不开门 周末不开 节假日不开门 中午没人 中午不看病 "
        "中午也不看病 周末开放 下班后看病"
    ),
    "protective_supplies": _p("口罩不够 口罩发放 发口罩 一个口罩 手套不够 防护用品 防护服 n95 护目镜 隔离衣"),
    "office_supplies": _p("办公用品 打印纸 硒鼓 墨盒 申领 领用 领东西 文具"),
    # the seeds' 小金库 / 三公经费 / 铺张浪费: public money spent for show or kept off the books
    "waste_funds": _p(
        "挪用 截留 套取 虚报冒领 小金库 三公经费 铺张浪费 浪费公款 乱花钱 面子工程 形象工程 政绩工程 账外 "
        "私设 乱发钱"
    ),
    # the seeds' 院务公开: the institution's affairs and accounts laid open
    "open_affairs": _p(
        "公示栏 账目不透明 账目 经费怎么花 财务不公开 财务从来不公开 院务公开 政务公开 财务公开 公开栏 "
        "院务公示"
    ),
    # relief handed out by favour (低保, poverty funds)
    "relief_fairness": _p("低保不公 低保评定 扶贫资金被 挪用扶贫 优亲厚友 人情保 关系保 评低保"),
    # medicines a patient may take home: a week's supply, long prescriptions
    "prescription_limits": _p(
        "开一个月 一个月的量 只给开 四周的药 慢病开药 长期处方 带药 出院带药 开药量 只能开一周 长处方 "
        "开药天数 药量限制 限量开药"
    ),
    # staff bullied by those above them (apart from leaders out of touch, and from attitude to patients)
    "bullying": _p("欺负新人 欺负人 排挤 打压 刁难 pua 当众批评 当众骂 骂新护士 动不动就骂 骂下属"),
    # one man's word in the leadership (民主集中制)
    "leadership_democracy": _p(
        "一个人说了算 作风霸道 霸道 不听取大家意见 一言堂 家长制 不民主 不让人说话 不让别人说话 民主集中制 "
        "班子不团结 不团结 闹矛盾 内耗"
    ),
    # newspapers and journals everyone must subscribe to
    "subscriptions": _p("报刊 订阅 党报党刊 订报 摊派订阅 订杂志 征订"),
    # fines and deductions instead of management (以罚代管)
    "fines": _p("罚款太多 乱罚款 罚得太 以罚代管 动不动就罚 扣一百 扣五十"),
    # meal and field allowances for work out in the villages
    "field_allowance": _p("误餐补助 误餐补贴 误餐费 下乡补助 下乡补贴 下村补贴 下村补助 出差补助 工作餐补助"),
    # the office software: documents clicked through a dozen steps
    "office_system": _p("oa系统 办公系统 公文流转 oa流程 电子公文 办公平台 协同办公"),
    # the party branch's books kept for inspection: handbooks, minutes copied again
    "party_paperwork": _p(
        "党建数据 党建材料 党建台账 党建资料 支部工作手册 党员手册 重抄 整理成册 党建检查 三会一课记录"
    ),
    # prenatal care: registering a pregnancy, the booklet, check-ups
    "maternal_care": _p("孕妇 孕产妇 产检 建卡 母子健康手册 孕妇建档 产检本 孕检"),
    # trainings piled on staff (not places for training, TRAINING above)
    "training_overload": _p(
        "培训太多 培训多 各种培训 业务培训 念ppt 培训占用 培训内容 培训一个接一个 业务学习 小讲课 讲课 "
        "培训时间 占用休息时间 休息日也要来 休息时间培训 下班后培训 下班后学习 全员到场"
    ),
    # disease control: tracing, disinfection, reporting infectious disease
    "cdc_work": _p("疾控 流调 消杀 传染病报告 传染病 疫情处置 应急处置 疾控中心"),
    # health supervision and law enforcement
    "health_inspection": _p("卫生监督 监督所 执法人员 监督执法 执法检查 卫生执法"),
    # the burden on grassroots cadres as such: no time left for the work itself (基层减负)
    "grassroots_burden": _p(
        "基层负担 负担太重 没时间下村 没时间干实事 精力都在应付 为群众办事的时间 疲于奔命"
    ),
    # the buildings: dilapidated wards and offices of a township centre
    "premises": _p(
        "危房 业务用房 用房破旧 房屋破旧 房子破旧 墙都裂 墙裂 房子太旧 屋顶漏 房顶漏 拿盆接水 房子老 "
        "房屋老旧 墙皮脱落"
    ),
    # petty corruption at the counter: favours asked before a thing is done
    "petty_corruption": _p(
        "吃拿卡要 卡着不办 卡脖子 不给好处 给好处才办 送礼才能办 请客送礼才能 雁过拔毛 故意刁难"
    ),
    # staff rotated from post to post too often
    "rotation": _p("轮岗 岗位调整 调岗 换岗 频繁调动 换三个岗位 转岗 刚熟悉业务"),
    # who decides on a centre's staff: the township, not the centre (用人自主权)
    "personnel_autonomy": _p("人事权 自主权 做不了主 随意调用 用人自主权 用人权"),
    # nursing records written again and again, instead of nursing
    "nursing_documents": _p("护理记录 护理文书 护理病历 交班本 交接班记录 文书太多 文书书写"),
    # the site: buildings far apart, no covered way between them
    "campus_layout": _p("连廊 离得太远 两栋楼 绕室外 楼与楼之间 院区之间"),
    # getting there: buses, a hospital moved out of town
    "transport_access": _p("交通不便 交通太不便 没有公交 公交车 转好几趟车 搬到郊区 公交站 公交线路"),
    # equipment that breaks and waits for repair
    "equipment_repair": _p(
        "报上去一周 后勤维修 后勤报修 维修太慢 报修没人管 报修太慢 设备坏了 仪器坏了 维修流程 报修流程 "
        "设备维修 仪器维修 等着维修 维修师傅 等厂家 没配件"
    ),
    # tests done again at every hospital: results not recognised between them (检查结果互认)
    "result_recognition": _p("互认 不互认 结果互认 检查互认 不认我们的 重复检查 重新检查一遍 又得重新查"),
    # patients' privacy in the consulting room
    "privacy": _p("隐私 隐私保护 没有帘子 被别人听见 一室多患 同时进好几个病人 病情都被"),
    # building works on the site: noise, dust, blocked ways
    "construction": _p("施工 基建 工地 施工噪音 装修噪音 灰尘太大 围挡 基建工程"),
    # volunteering that is not voluntary
    "volunteering": _p("志愿服务 志愿者活动 志愿活动 摊派人数 义工 当志愿者"),
    # laboratory reagents and consumables running out
    "reagent_supply": _p("试剂经常断货 试剂断供 试剂 试剂断货 耗材供应 耗材不够 试剂耗材 供应不上"),
    # writing the medical record: forms, handwriting, quality control
    "record_writing": _p("病历书写 写病历 手写病历 病历质控 病历要求 病历改 电子病历和手写"),
    # the hospital's publicity: new services nobody hears of
    "publicity": _p("宣传工作 没有宣传 宣传太差 宣传不到位 病人都不知道 宣传力度"),
    # staff and their families as patients in their own hospital
    "staff_care_access": _p("职工就医 职工家属就医 职工子女看病 自己人还要排队 职工看病 本院职工看病"),
    # policies that change, or come too vague to carry out (朝令夕改, 一刀切)
    "policy_churn": _p(
        "不知道怎么运行 政策经常变 朝令夕改 无所适从 要求太笼统 不知道怎么执行 一刀切 政策多变 刚落实又改"
    ),
    # offices too small and too poorly equipped for the people in them
    "office_conditions": _p(
        "几个人挤一间办公室 挤一间办公室 办公条件 办公室太小 共用一台 电脑不够用 办公桌都不够"
    ),
    # pledges and responsibility letters signed layer by layer
    "pledges": _p("承诺书 责任状 责任书 签责任状 层层签订 签了一堆"),
    # primary care people do not trust: few general practitioners, first visits at the big hospital
    "primary_care_capacity": _p(
        "业务萎缩 看病的本事 医疗业务越来越 全科医生 基层首诊 首诊 没有好医生 不信任基层 往大医院跑 分级诊疗"
    ),
    # requests to the level above left unanswered
    "requests_unanswered": _p("请示 打报告请示 没有答复 不回复 拖着不回 悬着 没回音"),
    # emergency stocks kept, and left to expire
    "emergency_stocks": _p("物资过期 东西好多都过期 储备过期 应急物资 物资储备 防控物资 物资仓库"),
    # the county medical alliance (医共体) and what it takes from the township centres
    "county_alliance": _p("被县医院统走 医共体 县域医共体 医共体成立 总院统一"),
    "attendance": _p(
        "外出报备 外出登记 层层报备 考勤管理 考勤打卡 上班打卡 下班打卡 指纹打卡 人脸打卡 打卡机 考勤机 "
        "签到签退 考勤制度"
    ),
    # decisions made without asking those who carry them out
    "decision_input": _p(
        "没征求意见 不征求意见 没有征求意见 事先不征求 征求意见会 谁也没问 没问过 没人问过 发言权 "
        "没有发言权 决策太随意 决策随意 随意决策 说改就改 直接下文件执行 拍板 设计已经定了 先问问 "
        "不听一线 直接下文件运行 直接下文档运行"
    ),
    # electronic records printed to be signed and filed again on paper
    "paper_duplicates": _p(
        "打印签字 打印出来 手签 纸质版 纸质归档 纸质存档 无纸化 电子签名 再扫描 纸质病历 双轨 电子版有了 "
        "打印纸质 纸质存盘"
    ),
    # a village clinic without a network or computers
    "village_it": _p(
        "宽带 网络太差 没有网络 网络不好 信息化设备 手机热点 热点 流量费 配电脑 没有电脑 电脑太旧 "
        "刷卡刷不出来"
    ),
    # the hospital's gate blocked by cars, ambulances held up
    "gate_traffic": _p(
        "大门口堵 门口堵 堵成一锅粥 堵车 交通拥堵 车辆拥堵 交通疏导 绕圈 私家车堵 门口拥堵 下客区"
    ),
}

# Concepts that say how something is wrong, or where, not what: they add to similarity but
# never make two opinions one problem on their own (price: 食堂 and 停车场 both cost too much;
# emergency: a wait there and a drunk man at its door are two problems).
ASPECTS = frozenset(
    {
        "queue",
        "hygiene",
        "night_shift",
        "formalism",
        "bureaucratism",
        "leaders",
        "price",
        "emergency",
    }
)

# Concepts that are also places, and the problems that happen there: when an opinion names one
# of those problems, the place is where it happens, not what it is about (车棚里充电插座太少 is
# about charging; 停车场的摄像头坏了 about the cameras; 车棚丢了电动车 about theft).
PLACES: dict[str, frozenset[str]] = {
    "bike_shed": frozenset({"ebike_charging", "cctv", "theft"}),
    "car_parking": frozenset({"parking_fee", "cctv", "theft", "ebike_charging"}),
}
