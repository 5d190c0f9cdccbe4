"""The summary report for the superior body (整改落实情况综合报告) as a Word document: the
period, opinions by category, the problem totals, a table per department, the look-backs'
satisfaction, the charts and the open items with their owners.

It is written in Chinese whatever the requester's language: it goes upward as an official
document, like the ledger.
"""

from __future__ import annotations

import io
import math
import unicodedata
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from documents import charts, chinese_date
from storage import summary as figures
from storage.hotspots import MIN_SHOWN
from storage.summary import Summary
from texts import say
from texts.fit import shorten

LANGUAGE = "zh-CN"
# As official documents are set (GB/T 9704): 仿宋 for the body, 黑体 for headings, 宋体 in
# tables. A reader without them gets the fallback named in the document's font table.
BODY_FONT, HEADING_FONT, TABLE_FONT, LATIN_FONT = "仿宋", "黑体", "宋体", "Times New Roman"
SUBHEADING_FONT = "楷体"  # 二级标题 (GB/T 9704): 楷体, where Word's own style was blue Calibri
FALLBACKS = {"仿宋": "FangSong", "黑体": "SimHei", "宋体": "SimSun", "楷体": "KaiTi"}
PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)  # A4
MARGINS = {"top": Cm(3.7), "bottom": Cm(3.5), "left": Cm(2.8), "right": Cm(2.6)}
TABLE_POINTS = 10.5  # 五号
CELL_PADDING_CM = 0.5  # the cell's own margins (0.19 cm each side) and a little air
STATUS_WORDS = {
    "listed": "待接单",
    "claimed": "已接单",
    "dispatched": "已下单",
    "in_progress": "整改中",
    "closure_requested": "申请销号",
    "closed": "已销号",
    "returned": "退回整改",
    "explained": "已说明原因",
    "reopened": "重新整改",
}
LIGHT_LABELS = {
    "red": "逾期",
    "amber": "临期",
    "green": "正常",
    "done": "已完成",
    "explained": "已说明原因",
    "listed": "列入清单（累计）",
    "closed": "已销号（累计）",
}
OPEN_ITEM_LIMIT = 500
CHART_WIDTH_CM = 15.5
CHART_ROWS = 25  # departments per status chart: more would run past the page's foot in print
ONE_LINE_HEADER = 8  # a header of up to 4 Chinese characters stays on one line (编号, not 编/号)
LONG_SHARE = 0.3  # what the long columns (the problem's text) keep at least, headers broken if need be
SHORT_CM, MIN_LONG_CM = 4.0, 1.5  # a column that needs no more stays on one line; a long one's floor


def _east_asian(style_or_run, name: str) -> None:
    """Word picks the font for Chinese from w:eastAsia, not from the font's name; Latin text
    and digits get a Latin font."""
    style_or_run.font.name = LATIN_FONT
    fonts = style_or_run.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:hint"), "eastAsia")
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font wins over a named one in Word


def _styles(document) -> None:
    normal = document.styles["Normal"]
    _east_asian(normal, BODY_FONT)
    normal.font.size = Pt(14)  # 四号 for the body
    for name, points, font in (
        ("Title", 22, HEADING_FONT),  # 二号 title
        ("Heading 1", 16, HEADING_FONT),  # 三号 headings
        ("Heading 2", 16, SUBHEADING_FONT),
    ):
        # the paragraph style and the character style linked to it (LibreOffice reads that one)
        for style in (document.styles[name], document.styles[f"{name} Char"]):
            _east_asian(style, font)
            style.font.size = Pt(points)
            style.font.color.rgb = RGBColor(0, 0, 0)  # official documents are black, not Word's blue
    borders = document.styles["Title"].element.pPr.find(qn("w:pBdr"))
    if borders is not None:  # no coloured rule under the title
        borders.getparent().remove(borders)
    table_style = document.styles["Table Grid"]
    _east_asian(table_style, TABLE_FONT)
    table_style.font.size = Pt(TABLE_POINTS)
    _font_table_fallbacks(document)


def _font_table_fallbacks(document) -> None:
    """Name each Chinese font with its alternative (w:altName), so that a reader without 仿宋
    gets FangSong (and LibreOffice its CJK replacement) rather than a Latin face."""
    part = next(
        (rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable")), None
    )
    if part is None:  # the template has none: the names in the styles still hold
        return
    root = parse_xml(part.blob)
    for name, alternative in FALLBACKS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", alternative), ("w:charset", "86"), ("w:family", "roman")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)  # charset 86: GB2312
            font.append(child)
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    for side, margin in MARGINS.items():
        setattr(section, f"{side}_margin", margin)


def _landscape(document, sideways: bool = True) -> None:
    """A new page turned sideways for a wide table, or upright again after it (its page
    numbers go on)."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if sideways else WD_ORIENT.PORTRAIT
    wide, tall = (PAGE_HEIGHT, PAGE_WIDTH) if sideways else (PAGE_WIDTH, PAGE_HEIGHT)
    section.page_width, section.page_height = wide, tall
    for side, margin in MARGINS.items():
        setattr(section, f"{side}_margin", margin)


def _properties(document, summary: Summary, institution: str, written_on: date) -> None:
    """What a file manager and the superior body's archive show: not 'python-docx'."""
    properties = document.core_properties
    properties.title = f"{institution}整改落实情况综合报告"
    properties.subject = f"报告期间 {summary.start.isoformat()} 至 {summary.end.isoformat()}"
    properties.author = properties.last_modified_by = institution
    properties.keywords = "整改落实; 问题清单; 综合报告"
    properties.comments = "整改通 生成"
    properties.category = "专题书面报告"
    moment = datetime.combine(written_on, time(0))
    properties.created = properties.modified = moment
    properties.revision = 1


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_widths(headers: list[str], rows: list[list[str]], usable_cm: float) -> list[float]:
    """Widths that fit the content: a short column (a date, a count, a name) gets what its
    longest value needs, so it stays on one line; the long ones share what is left, none
    narrower than MIN_LONG_CM; together never wider than the page."""
    # a short header (编号, 问题数) on one line, or it is printed a character a line; where
    # the columns are too many for that, it too takes two lines, broken between characters
    for one_line in (ONE_LINE_HEADER, 4):  # 4: two characters (排名) never broken
        needs = [_need(header, [r[i] for r in rows], one_line) for i, header in enumerate(headers)]
        short = [need <= SHORT_CM for need in needs]
        fixed = sum(need for need, is_short in zip(needs, short, strict=True) if is_short)
        longs = short.count(False)
        if fixed + max(MIN_LONG_CM * longs, LONG_SHARE * usable_cm if longs else 0) <= usable_cm:
            break
    if sum(needs) <= usable_cm:
        scale = usable_cm / sum(needs)
        return [need * scale for need in needs]
    widths = list(needs)
    long = [i for i, is_short in enumerate(short) if not is_short]
    left = usable_cm - fixed
    while long:  # shared by need; one whose share is under the floor gets the floor
        total = sum(needs[i] for i in long)
        narrow = [i for i in long if left * needs[i] / total < MIN_LONG_CM]
        if not narrow:
            for i in long:
                widths[i] = left * needs[i] / total
            break
        for i in narrow:
            widths[i] = MIN_LONG_CM
            left -= MIN_LONG_CM
        long = [i for i in long if i not in narrow]
    return widths


CHAR_CM = TABLE_POINTS * 0.55 / 72 * 2.54  # a half-width character at 五号, with room
SCRIPT_GAP_CM = 0.1  # the space Word and LibreOffice put between Chinese and Latin or digits


def _need(header: str, values: list[str], one_line: int) -> float:
    width = display_width(header) * CHAR_CM
    if display_width(header) > one_line:
        width = math.ceil(display_width(header) / 4) * 2 * CHAR_CM  # half of it, in whole characters
    return max([width, *map(text_cm, values)]) + CELL_PADDING_CM


def text_cm(text: str) -> float:
    """A line's width at 五号: its characters, and the gap at each change between Chinese and
    Latin (2026年9月3日 has five: measured without them, it wrapped in its column)."""
    wide = [unicodedata.east_asian_width(ch) in "WF" for ch in text]
    changes = sum(a != b for a, b in zip(wide, wide[1:], strict=False))
    return display_width(text) * CHAR_CM + changes * SCRIPT_GAP_CM


def _table(document, headers: list[str], rows: list[list[object]]) -> None:
    texts = [[str(value) for value in values] for values in rows]
    section = document.sections[-1]  # the one the table goes into
    usable = (section.page_width - section.left_margin - section.right_margin) / 360000  # EMU per cm
    widths = column_widths(headers, texts, usable)
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell_text(cell, text, bold=True)
    _repeat_header(table.rows[0])
    for values in texts:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _cell_text(cell, value)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice follows
        for cell in column.cells:
            cell.width = Cm(width)  # each cell, which Word follows


def _cell_text(cell, text: str, bold: bool = False) -> None:
    """Table text at 五号 in 宋体, set on the run: a table style's size does not reach the
    paragraphs in LibreOffice, which keep the body's."""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    run.font.size = Pt(TABLE_POINTS)
    _east_asian(run, TABLE_FONT)


def _repeat_header(row) -> None:
    """The header row repeats at the top of each page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.1%}"


def _opinions(document, summary: Summary) -> None:
    document.add_heading("一、意见征集情况", level=1)
    received = sum(summary.opinions_by_category.values())
    public = (
        f"其中群众（患者、服务对象）通过门诊大厅意见箱二维码提交 {summary.opinions_from_public} 条，"
        if summary.opinions_from_public
        else ""
    )
    if not received:  # no "as follows" above nothing
        document.add_paragraph("报告期内未收到意见建议。")
        return
    document.add_paragraph(f"报告期内共收到意见建议 {received} 条（含匿名意见），{public}按类别统计如下。")
    # as in the roll-up the body above reads: no category named with fewer than k opinions
    # (形式主义 1 条 in a small unit points at its one author); those are counted together
    named = {c: n for c, n in summary.opinions_by_category.items() if n >= summary.k}
    rows = [[c, n, summary.public_by_category.get(c, "—")] for c, n in named.items()]
    if received > sum(named.values()):
        rows.append([f"其他类别（每类不足 {summary.k} 条，合并统计）", received - sum(named.values()), "—"])
    if summary.public_by_category:
        # a category's 群众 count under k is left blank, like one with none
        _table(document, ["类别", "条数", "其中群众"], rows)
    else:
        _table(document, ["类别", "条数"], [row[:2] for row in rows])
    if summary.opinions_by_status:
        handled = [
            f"{say(LANGUAGE, f'opinion.status.{status}')} {count} 条"
            for status, count in summary.opinions_by_status.items()
        ]
        # counted as each opinion stood at the period's end (storage/summary.py replays them)
        document.add_paragraph(f"截至{chinese_date(summary.end)}的办理情况：" + "，".join(handled) + "。")


def _hotspots(document, summary: Summary) -> None:
    """The problems many people raised: groups of similar opinions, none under k (storage
    leaves them out), a sub-section of the opinions so that the numbering stays."""
    if not summary.hotspots:
        return
    document.add_heading("群众反映集中的问题", level=2)
    shown, in_all = len(summary.hotspots), max(summary.hotspots_in_all, len(summary.hotspots))
    document.add_paragraph(
        f"报告期内内容相近、每组至少 {MIN_SHOWN} 条的意见共 {in_all} 组"
        + (f"，下表列出意见最多的 {shown} 组。" if in_all > shown else "，列表如下。")
        + "分组依据意见文字自动归类（活动办可合并、拆分）。"
    )
    _table(
        document,
        ["意见条数", "代表性意见", "类别", "涉及科室", "首次反映", "最近反映"],  # a date each: one line
        [
            [
                h.size,
                shorten(h.representative, 60),
                "、".join(h.categories),
                "、".join(h.departments) or "—",
                chinese_date(h.first_day),
                chinese_date(h.last_day),
            ]
            for h in summary.hotspots
        ],
    )


def _problems(document, summary: Summary) -> None:
    document.add_heading("二、问题整改情况", level=1)
    document.add_paragraph(
        f"报告期内新列入问题 {summary.found} 个，销号 {summary.closed} 个，重新整改 {summary.reopened} 个，"
        f"批准延期 {summary.extended} 次。"
        f"截至{chinese_date(summary.end)}，问题清单累计 {summary.total} 个，"
        f"其中逾期未完成 {summary.overdue} 个，"
        f"暂不能解决并已说明原因 {summary.explained} 个。"
    )
    _table(
        document,
        ["指标", "数量"],
        [
            ["新列入问题", summary.found],
            ["已销号", summary.closed],
            ["逾期未完成", summary.overdue],
            ["已说明原因", summary.explained],
            ["重新整改", summary.reopened],
            ["批准延期", summary.extended],
            ["累计问题", summary.total],
        ],
    )


def _departments(document, summary: Summary) -> None:
    document.add_heading("三、各科室整改情况", level=1)
    if not summary.departments:
        document.add_paragraph("暂无问题。")
        return
    _table(
        document,
        ["责任科室", "问题数", "已销号", "整改中", "逾期", "销号率"],
        [
            [r.department, r.total, r.closed, r.working, r.overdue, _percent(r.closed_share)]
            for r in summary.departments
        ],
    )


def _lookbacks(document, summary: Summary) -> None:
    document.add_heading("四、回头看与群众满意度", level=1)
    results = summary.lookbacks
    document.add_paragraph(
        f"报告期内完成回头看 {sum(results.values())} 次：整改效果保持 {results.get('held', 0)} 次，"
        f"群众不满意而重新整改 {results.get('reopened', 0)} 次，"
        f"投票人数不足未公布结果 {results.get('too_few', 0)} 次。"
        f"群众满意度（满意与基本满意占有效票）：{_percent(summary.satisfaction)}。"
    )
    if summary.ballots:
        _table(
            document,
            ["满意", "基本满意", "不满意", "不了解"],
            [[summary.ballots.get(c, 0) for c in ("satisfied", "basic", "unsatisfied", "unknown")]],
        )


def _evaluations(document, summary: Summary) -> None:
    if not summary.evaluations:
        return
    document.add_heading("五、民主评议结果", level=1)
    for sheet, results in summary.evaluations:
        document.add_paragraph(f"《{sheet.title}》")
        _table(
            document,
            ["评议对象", "有效票", "不了解", "总体评价", "处理"],
            [
                [
                    r.subject.name,
                    # under k ballots not even the count and its 不了解 share are told
                    r.ballots if r.overall else "—",
                    r.abstained if r.overall else "—",
                    r.overall or "票数不足，不公布",
                    ("约谈、限期整改" + (f"（问题 #{r.subject.problem_id}）" if r.subject.problem_id else ""))
                    if r.flagged
                    else "",
                ]
                for r in results
            ],
        )


def _charts(document, pictures: list[bytes], number: str) -> None:
    document.add_heading(f"{number}、图表", level=1)
    if not pictures:
        document.add_paragraph("报告期内无问题，未绘制图表。")
    section = document.sections[0]
    # a chart no taller than the page leaves room for (a heading's worth kept free): a taller
    # one runs past the foot of the page and is cut off in print
    room = section.page_height - section.top_margin - section.bottom_margin - Cm(2.5)
    for png in pictures:
        width, height = _pixels(png)
        picture_width = min(Cm(CHART_WIDTH_CM), int(room * width / height))
        document.add_picture(io.BytesIO(png), width=picture_width)


def _pixels(png: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _open_items(document, summary: Summary, number: str) -> None:
    items = summary.open_items[:OPEN_ITEM_LIMIT]
    if items:  # seven columns: on a portrait page the problem's own text kept 2.7 cm
        _landscape(document)
    document.add_heading(f"{number}、未完成事项", level=1)
    if not summary.total:  # not "all done" when nothing was ever listed
        document.add_paragraph("问题清单暂无问题。")
        return
    if not items:
        document.add_paragraph("问题清单上的事项均已完成。")
        return
    _table(
        document,
        ["编号", "问题", "责任领导", "责任科室", "完成时限", "状态", "进度"],
        [
            [
                f"#{p.id}",
                p.title,
                p.leader or "待接单",
                p.department or "—",
                chinese_date(p.deadline) if p.deadline else "—",
                STATUS_WORDS[p.status],
                f"{p.progress}%",
            ]
            for p in items
        ],
    )
    if len(summary.open_items) > OPEN_ITEM_LIMIT:
        document.add_paragraph(f"另有 {len(summary.open_items) - OPEN_ITEM_LIMIT} 项，详见整改台账。")


def draw_charts(summary: Summary) -> list[bytes]:
    if not summary.total:  # a flat line at 0 tells the reader nothing
        return []
    rows = [
        charts.DepartmentLights(
            r.department,
            {
                "red": r.overdue,
                "green": r.total - r.closed - r.overdue - r.explained,
                "done": r.closed,
                "explained": r.explained,
            },
        )
        for r in summary.departments
    ]
    drawn = [
        charts.progress_over_time(
            summary.progress_days, summary.progress_listed, summary.progress_closed, "整改进度", LIGHT_LABELS
        )
    ]
    parts = [rows[at : at + CHART_ROWS] for at in range(0, len(rows), CHART_ROWS)]
    for number, part in enumerate(parts, start=1):  # every department drawn, a page's worth a chart
        title = "各科室整改状态" + (f"（{number}/{len(parts)}）" if len(parts) > 1 else "")
        drawn.append(charts.status_by_department(part, title, LIGHT_LABELS))
    return drawn


def signature(document, institution: str, written_on: date) -> None:
    """The 落款 of an official document: the issuing body and the date, right-aligned, after a
    blank line (not the program's name and an ISO date)."""
    _keep_with_what_follows(document)  # never a 落款 alone on a page of its own (GB/T 9704)
    document.add_paragraph().paragraph_format.keep_with_next = True
    for text in (institution, chinese_date(written_on)):
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.keep_with_next = False


def _keep_with_what_follows(document) -> None:
    """The body's last paragraph, or its last table's last row, kept on the page of what
    comes next."""
    last = document.element.body[-1]
    if last.tag == qn("w:sectPr"):
        last = last.getprevious()
    if last is None:
        return
    if last.tag == qn("w:tbl"):
        paragraphs = [p for cell in document.tables[-1].rows[-1].cells for p in cell.paragraphs]
    else:
        paragraphs = [document.paragraphs[-1]]
    for paragraph in paragraphs:
        paragraph.paragraph_format.keep_with_next = True


def page_numbers(document) -> None:
    """ "— 1 —" centred at the foot of every page (GB/T 9704): a printed report that loses its
    staple can be put back in order."""
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            run._r.append(field)
        elif text == "PAGE":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = " PAGE "
            run._r.append(instruction)
        else:
            run.text = text
    paragraph.add_run(" —")
    for run in paragraph.runs:
        run.font.size = Pt(14)
        _east_asian(run, TABLE_FONT)


TITLE_CHARS = 19  # characters of a 二号 (22 pt) title on a line of the A4 page's text width


def title(document, subject: str, kind: str) -> None:
    """The document's title, centred. Too long for one line, it breaks after whom it is about
    (示范县卫生健康局所属单位 / 整改落实情况汇总报告), as officials set a title, never where the
    line happens to end (…情况汇 / 总报告, inside a word)."""
    heading = document.add_heading(level=0)
    heading.add_run(subject)
    if len(subject) + len(kind) > TITLE_CHARS:
        heading.add_run().add_break()
    heading.add_run(kind)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER


def build(summary: Summary, institution: str, written_on: date) -> bytes:
    """The .docx as bytes. CPU work: call it off the event loop."""
    document = Document()
    _page(document)
    _styles(document)
    page_numbers(document)
    _properties(document, summary, institution, written_on)
    title(document, institution, "整改落实情况综合报告")
    period = document.add_paragraph(f"报告期间：{chinese_date(summary.start)}至{chinese_date(summary.end)}")
    period.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _opinions(document, summary)
    _hotspots(document, summary)
    _problems(document, summary)
    _departments(document, summary)
    _lookbacks(document, summary)
    _evaluations(document, summary)
    numbers = ("六", "七") if summary.evaluations else ("五", "六")
    _charts(document, draw_charts(summary), numbers[0])
    _open_items(document, summary, numbers[1])
    signature(document, institution, written_on)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def for_period(
    db,
    start: date,
    end: date,
    zone: ZoneInfo,
    institution: str,
    today: date,
    min_ballots: int = 5,
    rule: str | None = None,
) -> bytes:
    summary = figures.summarize(db, start, end, zone, min_ballots, rule or figures.evaluations.DEFAULT_RULE)
    return build(summary, institution, today)
