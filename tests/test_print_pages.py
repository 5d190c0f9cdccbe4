"""The documents as the campaign office and the superior body print them (found by rendering
each through LibreOffice, tools/render_documents.py): dates written 2026年11月30日, a 落款 with the
institution and the date, page numbers, short headers on one line, sub-headings in black,
charts that fit a page and name every department, nothing of a group under k, spreadsheets
set up for A4 with their headers repeated, long text wrapped, and no list cut short without
saying so. Checked on the files' structure, so no LibreOffice is needed."""

from __future__ import annotations

import dataclasses
import io
import re
import warnings
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import docx
import openpyxl
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, RGBColor

from documents import charts, ledger_workbook, rollup_report, rollup_workbook, summary_report, survey_results
from handlers.campaign import questionnaire
from storage import evaluations, problems, rollup, summary, surveys
from storage.problems import Problem

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 30)


def empty(start=date(2026, 11, 1), end=DAY) -> summary.Summary:
    return summary.Summary(
        start=start,
        end=end,
        opinions_by_category={},
        opinions_by_status={},
        found=0,
        closed=0,
        overdue=0,
        explained=0,
        reopened=0,
        total=0,
        departments=[],
        lookbacks={},
        ballots={},
        open_items=[],
    )


def report(found: summary.Summary, institution: str = "示范县人民医院") -> docx.document.Document:
    return docx.Document(io.BytesIO(summary_report.build(found, institution, date(2026, 12, 1))))


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def usable_cm(document) -> float:
    section = document.sections[-1]
    return (section.page_width - section.left_margin - section.right_margin) / 360000


def test_dates_are_written_as_officials_write_them_and_the_report_ends_with_its_issuer():
    document = report(empty())
    said = texts(document)
    assert "报告期间：2026年11月1日至2026年11月30日" in said
    assert not any("2026-11" in text for text in said)
    assert [t for t in said if t.strip()][-2:] == ["示范县人民医院", "2026年12月1日"]  # 落款
    assert not any("整改通" in text for text in said)  # the program signs nothing
    assert document.paragraphs[-1].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT


def test_every_page_is_numbered():
    footer = report(empty()).sections[0].footer
    instructions = [node.text for node in footer._element.iter(qn("w:instrText"))]
    assert [i.strip() for i in instructions] == ["PAGE"]
    assert footer.paragraphs[0].text.startswith("—")


def test_an_empty_period_says_so_instead_of_a_table_that_is_not_there():
    said = texts(report(empty()))
    assert "报告期内未收到意见建议。" in said
    assert not any("按类别统计如下" in text for text in said)


def test_sub_headings_are_set_in_black_kaiti_not_words_blue():
    document = report(empty())
    for name in ("Heading 2", "Heading 2 Char"):
        style = document.styles[name]
        assert style.font.color.rgb == RGBColor(0, 0, 0)
        assert style.element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体"


def one_line_cm(text: str) -> float:
    return summary_report.display_width(text) * summary_report.TABLE_POINTS * 0.5 / 72 * 2.54 + 0.38


def open_item() -> Problem:
    return Problem(
        id=300,
        title="门诊挂号、缴费、取药要排三次队，老人来回跑，高峰期候诊超过一小时。" * 3,
        description="",
        category="医疗服务",
        source="opinion",
        kind="deadline",
        horizon="short",
        measures="增设自助机",
        leader_id=1,
        leader="王建国",
        department_id=1,
        department="党委办公室（院长办公室）",
        deadline=date(2026, 12, 31),
        status="dispatched",
        public=False,
        progress=100,
        explanation=None,
        review_on=None,
        created_at=datetime(2026, 11, 2, tzinfo=UTC),
        last_progress_at=None,
        closed_at=None,
    )


def test_short_headers_stay_on_one_line_and_the_table_fits_the_page():
    item = open_item()
    document = report(dataclasses.replace(empty(), open_items=[item], total=1))
    table = document.tables[-1]
    header = [cell.text for cell in table.rows[0].cells]
    widths = {h: table.columns[i].width.cm for i, h in enumerate(header)}
    for short in ("编号", "责任领导", "状态", "进度"):  # printed 编/号 a character a line before
        assert widths[short] >= one_line_cm(short), (short, widths)
    assert widths["完成时限"] >= one_line_cm("2026年12月31日")
    assert table.rows[1].cells[header.index("完成时限")].text == "2026年12月31日"
    assert sum(widths.values()) <= usable_cm(document) + 0.01
    turned = document.sections[-1]  # seven columns on a page turned sideways: the problem widest
    assert turned.orientation == WD_ORIENT.LANDSCAPE and turned.page_width > turned.page_height
    assert max(widths, key=widths.get) == "问题" and len(document.sections) == 2


def test_the_roll_up_table_of_ten_columns_fits_the_page_with_two_character_headers_whole():
    headers = rollup_report.HEADERS
    rows = [["60", "示范县第44乡镇卫生院", "300", "37", "12.3%", "81", "21", "34", "87.3%", "0"]]
    widths = summary_report.column_widths(headers, rows, 15.6)
    assert sum(widths) <= 15.6 + 0.01
    for index, header in enumerate(headers):
        if len(header) == 2:
            assert widths[index] >= one_line_cm(header), (header, widths[index])
        assert widths[index] >= one_line_cm(rows[0][index]) or index == 1  # values on one line


def test_the_roll_up_ranking_is_on_a_page_turned_sideways_with_every_header_on_one_line():
    units = [overdue_institution(f"示范县第{n}乡镇卫生院", 3) for n in range(1, 61)]
    document = docx.Document(io.BytesIO(rollup_report.build("示范县卫生健康局", units, {}, DAY)))
    first, turned, upright = document.sections
    assert first.orientation == upright.orientation == WD_ORIENT.PORTRAIT
    assert turned.orientation == WD_ORIENT.LANDSCAPE and turned.page_width > turned.page_height
    table = document.tables[0]
    widths = [column.width.cm for column in table.columns]
    room = (turned.page_width - turned.left_margin - turned.right_margin) / 360000
    assert sum(widths) <= room + 0.01
    for header, width in zip(rollup_report.HEADERS, widths, strict=True):
        if summary_report.display_width(header) <= summary_report.ONE_LINE_HEADER:
            assert width >= one_line_cm(header), header
    assert widths[1] >= one_line_cm("示范县第60乡镇卫生院")


def test_the_roll_up_report_is_dated_signed_and_numbered():
    document = docx.Document(io.BytesIO(rollup_report.build("示范县卫生健康局", [], {}, DAY)))
    said = [t for t in texts(document) if t.strip()]
    assert "截至2026年11月30日" in said and said[-2:] == ["示范县卫生健康局", "2026年11月30日"]
    assert any(n.text.strip() == "PAGE" for n in document.sections[0].footer._element.iter(qn("w:instrText")))


def test_a_chart_of_sixty_departments_names_each_and_fits_the_page():
    row = summary.DepartmentRow
    rows = [row(f"第{n}临床科室", total=5, closed=1, working=3, overdue=1) for n in range(1, 61)]
    document = report(dataclasses.replace(empty(), departments=rows, total=300))
    section = document.sections[-1]
    room = section.page_height - section.top_margin - section.bottom_margin
    pictures = document.inline_shapes
    assert len(pictures) == 1 + 3  # the progress chart, then 60 departments in charts of 25
    for picture in pictures:
        assert picture.height <= room and picture.width <= Cm(15.5) + 1


def test_a_subject_under_k_shows_no_count_of_its_ballots():
    moment = datetime(2026, 11, 20, tzinfo=UTC)
    grades = ("好", "较好", "一般", "差")
    never = frozenset()
    title = "班子成员民主评议"
    sheet = evaluations.Sheet(1, title, ("总体评价",), grades, never, never, moment, moment, True, False, ())
    few = evaluations.SubjectResult(evaluations.Subject(0, "张海涛"), 3, 1, (), None, False)
    enough = evaluations.SubjectResult(evaluations.Subject(1, "李明华"), 9, 2, ({"好": 1.0},), "好", False)
    document = report(dataclasses.replace(empty(), evaluations=[(sheet, [few, enough])]))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "评议对象")
    cells = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert cells[0] == ["张海涛", "—", "—", "票数不足，不公布", ""]
    assert cells[1][:4] == ["李明华", "9", "2", "好"]


def overdue_institution(name: str, overdue: int) -> rollup.Figures:
    found = rollup.Figures(name, k=5)
    found.total, found.overdue = 200, overdue
    found.by_light = {problems.RED: overdue}
    found.overdue_list = [
        {
            "id": n,
            "title": "住院部夜间陪护床位不够，家属只能睡在走廊地上，冬天很冷，多次反映无人处理" * 2,
            "deadline": "2026-10-01",
            "status": "dispatched",
            "department": "党委办公室（院长办公室）",
            "leader": "王建国",
            "days": 60,
        }
        for n in range(1, min(overdue, rollup.OVERDUE_SHOWN) + 1)
    ]
    found.longest_overdue_days, found.longest_overdue_title = 60, found.overdue_list[0]["title"]
    return found


def test_the_roll_up_workbook_prints_on_a4_with_its_header_on_every_page_and_says_what_it_left_out():
    units = [overdue_institution(f"示范县第{n}乡镇卫生院", 120 if n == 1 else 3) for n in range(1, 61)]
    book = openpyxl.load_workbook(io.BytesIO(rollup_workbook.to_bytes(units, {}, DAY)))
    for sheet in book.worksheets:
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0
    summary_sheet = book["汇总"]
    assert summary_sheet.page_setup.orientation == "landscape" and summary_sheet.print_title_rows == "$1:$2"
    assert summary_sheet["A1"].value == "各单位整改落实情况汇总（截至2026年11月30日）"
    assert all(summary_sheet.cell(row, 11).alignment.wrap_text for row in range(3, 63))  # long titles whole
    first = book["示范县第1乡镇卫生院"]
    values = [row[0] for row in first.iter_rows(values_only=True)]
    assert (
        values.count(1) >= 1
        and "另有 70 项超期问题未列出（此处列出超期最久的 50 项），完整清单见该单位整改台账。" in values
    )
    header = values.index("问题编号") + 1  # not 超期问题 over the ids, read as a count on paper
    assert values[header - 2] == "超期问题清单（超期最久的在前）" and "超期问题" not in values
    assert first.print_title_rows == f"${header}:${header}"
    assert first.cell(header + 1, 2).alignment.wrap_text and first.cell(header + 1, 3).number_format == (
        'yyyy"年"m"月"d"日"'
    )
    assert all(first.column_dimensions[c].width >= 10 for c in "CDEF")
    small = [row[0] for row in book["示范县第2乡镇卫生院"].iter_rows(values_only=True)]
    assert not any(isinstance(v, str) and v.startswith("另有") for v in small)  # all three listed


def test_wrapped_cells_of_the_roll_up_have_rows_tall_enough_and_dates_room_to_show():
    long_name = "示范县人民医院（示范县医疗集团总院）"
    unit = overdue_institution(long_name, 2)
    book = openpyxl.load_workbook(io.BytesIO(rollup_workbook.to_bytes([unit], {}, DAY)))
    summary_sheet = book["汇总"]
    title_width = summary_sheet.column_dimensions["K"].width - 1
    lines = ledger_workbook.display_width(unit.longest_overdue_title) / title_width
    assert summary_sheet.row_dimensions[3].height >= lines * ledger_workbook.LINE_HEIGHT
    sheet = book.worksheets[1]
    header = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "问题编号")
    listed = header + 1
    lines = ledger_workbook.display_width(sheet.cell(listed, 2).value) / (
        sheet.column_dimensions["B"].width - 1
    )
    assert sheet.row_dimensions[listed].height >= lines * ledger_workbook.LINE_HEIGHT
    assert sheet.column_dimensions["C"].width >= ledger_workbook.display_width("2026年10月31日") + 1


def test_a_questionnaires_workbook_prints_its_long_questions_and_answers_whole_on_a4():
    question = surveys.Question(
        0,
        surveys.SINGLE,
        "您对门诊候诊环境（座椅、通风、卫生间、指示标识、饮水设施等）总体是否满意？",
        ("满意", "不满意"),
    )
    free = surveys.Question(1, surveys.TEXT, "还有什么建议？")
    answer = "候诊区座椅太少，老人只能站着等😡；醫院電梯太慢了。" * 20  # 500+ characters
    found = [
        surveys.QuestionResult(question, (40, 17), 57, ()),
        surveys.QuestionResult(free, (), 2, (answer, "无")),
    ]
    headers = {h: h for h in questionnaire.HEADERS}
    book = openpyxl.load_workbook(io.BytesIO(survey_results.workbook("门诊满意度调查", 57, found, headers)))
    counts, texts = book.worksheets
    for sheet in (counts, texts):
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert counts.print_title_rows == "$4:$4" and texts.print_title_rows == "$1:$1"
    assert counts.cell(5, 2).alignment.wrap_text
    lines = ledger_workbook.display_width(question.text) / (counts.column_dimensions["B"].width - 1)
    assert counts.row_dimensions[5].height >= lines * ledger_workbook.LINE_HEIGHT
    row = next(r for r in range(2, texts.max_row + 1) if texts.cell(r, 3).value == answer)
    assert texts.cell(row, 3).alignment.wrap_text
    lines = ledger_workbook.display_width(answer) / (texts.column_dimensions["C"].width - 1)
    assert texts.row_dimensions[row].height >= lines * ledger_workbook.LINE_HEIGHT


def test_a_ledger_row_is_never_taller_than_excel_allows_and_a_text_too_long_for_it_says_where_the_rest_is(
    db, invited
):
    measures = (
        "一、增设自助挂号机6台；二、推行分时段预约，精确到30分钟；三、高峰期增派导诊人员2名。" * 50
    )  # 2,000+
    short = "更换导视牌"
    long_id = problems.create(db, "挂号排队", None, description="门诊挂号排队时间长😡" * 25)
    short_id = problems.create(db, "导视牌不清", None)
    db.execute("update problems set measures = ? where id = ?", [measures, long_id])
    db.execute("update problems set measures = ? where id = ?", [short, short_id])
    db.conn.commit()
    content, _ = ledger_workbook.to_bytes(db, date(2026, 12, 1), SHANGHAI)
    sheet = openpyxl.load_workbook(io.BytesIO(content))["整改台账"]
    rows = {sheet.cell(r, 2).value: r for r in range(2, sheet.max_row + 1)}
    row = rows[long_id]
    assert sheet.row_dimensions[row].height <= 409  # Excel's greatest row height
    shown = sheet.cell(row, 6).value
    assert shown.startswith(measures[:100]) and shown.endswith(
        f"……（全文 {len(measures)} 字，见整改通问题 #{long_id}）"
    )
    lines = ledger_workbook.display_width(shown) / (ledger_workbook.WIDTHS[5] - 1)
    assert lines * ledger_workbook.LINE_HEIGHT <= sheet.row_dimensions[row].height  # and it is all seen
    description = sheet.cell(row, 5).value
    assert description == "门诊挂号排队时间长😡" * 25  # 250 characters fit: left whole
    assert sheet.cell(rows[short_id], 6).value == short


def test_an_answer_of_a_thousand_characters_is_printed_whole_over_two_rows():
    free = surveys.Question(0, surveys.TEXT, "还有什么建议？")
    answer = ("候诊区座椅太少，老人只能站着等😡；醫院電梯太慢了。" * 40)[: surveys.MAX_ANSWER_CHARS]
    found = [surveys.QuestionResult(free, (), 1, (answer,))]
    headers = {h: h for h in questionnaire.HEADERS}
    book = openpyxl.load_workbook(io.BytesIO(survey_results.workbook("门诊满意度调查", 9, found, headers)))
    texts = book.worksheets[1]
    shown = [texts.cell(r, 3).value for r in range(2, texts.max_row + 1)]
    assert len(shown) == 2 and shown[1].startswith("（续）")
    assert "".join(shown).replace("（续）", "") == answer  # nothing lost
    width = texts.column_dimensions["C"].width - 1
    for row, text in enumerate(shown, start=2):
        height = texts.row_dimensions[row].height
        assert ledger_workbook.display_width(text) / width * ledger_workbook.LINE_HEIGHT <= height <= 409


def test_each_printed_ledger_page_is_titled_and_numbered_with_dates_as_officials_write_them(db, invited):
    problem_id = problems.create(db, "挂号排队", None)
    db.execute("update problems set deadline = '2026-12-31' where id = ?", [problem_id])
    db.conn.commit()
    content, _ = ledger_workbook.to_bytes(db, date(2026, 12, 1), SHANGHAI)
    book = openpyxl.load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        assert "截至2026年12月1日" in sheet.oddHeader.center.text, sheet.title
        assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"
        for cell in sheet[1]:  # the header in the workbook's own face, not a nameless bold
            assert cell.font.b and cell.font.name == "Calibri" and cell.font.sz == 11
    sheet = book["整改台账"]
    deadline = sheet.cell(2, ledger_workbook.HEADERS.index("完成时限") + 1)
    assert deadline.number_format == 'yyyy"年"m"月"d"日"'
    for column in ("完成时限", "销号时间", "复查日期"):  # wide enough for 2026年12月31日, not ###
        width = ledger_workbook.WIDTHS[ledger_workbook.HEADERS.index(column)]
        assert width >= ledger_workbook.display_width("2026年12月31日")
    total = book["按科室汇总"]
    assert all(cell.font.name == "Calibri" for cell in total[total.max_row])


def drawn_figures(monkeypatch, module) -> list:
    """The figures a module's charts draw, kept as they are drawn."""
    figures, original = [], module._png

    def keep(figure):
        png = original(figure)
        figures.append(figure)
        return png

    monkeypatch.setattr(module, "_png", keep)
    return figures


def test_a_questionnaire_chart_shows_its_whole_question_and_no_empty_boxes_for_emoji(monkeypatch):
    figures = drawn_figures(monkeypatch, survey_results)
    text = (
        "您对门诊候诊环境（座椅、通风、卫生间、指示标识、饮水设施等）总体是否满意？请结合最近一次就诊经历作答"
    )
    question = surveys.Question(0, surveys.SINGLE, text, ("非常满意😀", "满意", "不满意👎🏽"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of each glyph it draws as an empty box
        survey_results.chart(surveys.QuestionResult(question, (12, 30, 5), 47, ()), f"1. {text}")
    (figure,) = figures
    title = figure._suptitle
    assert title.get_text().replace("\n", "") == f"1. {text}"  # whole, not cut at 60 characters
    inside = figure.bbox
    box = title.get_window_extent()
    assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and box.y1 <= inside.y1
    labels = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert labels == ["非常满意", "满意", "不满意"]


def test_the_status_charts_legend_stands_beside_the_bars_not_on_them(monkeypatch):
    figures = drawn_figures(monkeypatch, charts)
    rows = [
        charts.DepartmentLights(f"第{n}临床科室", {"red": 2, "green": 5, "done": 3}) for n in range(1, 26)
    ]
    charts.status_by_department(rows, "各科室整改状态", summary_report.LIGHT_LABELS)
    (figure,) = figures
    axes = figure.axes[0]
    legend = axes.get_legend().get_window_extent()
    assert not legend.overlaps(axes.bbox)
    assert legend.x1 <= figure.bbox.x1


def test_a_long_institution_name_stays_on_the_poster(monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from documents import poster

    made, original = [], poster.Figure

    def kept(*args, **kwargs):
        made.append(original(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(poster, "Figure", kept)
    name = "示范县人民医院（示范县医疗集团总院·示范县中医医院·示范县妇幼保健院门诊部）"  # 41 characters
    words = poster.PosterText("群众意见箱", name, ("匿名提交", "逐条处理", "凭回执码查看"), "用手机扫码")
    for paper in ("A4", "A3"):
        poster.poster_pdf("https://t.me/rectify_demo_bot?start=pub_" + "x" * 40, words, paper)
    for figure in made:
        FigureCanvasAgg(figure).draw()
        page = figure.bbox
        for text in figure.axes[0].texts:
            box = text.get_window_extent()
            assert page.x0 <= box.x0 and box.x1 <= page.x1, text.get_text()


def test_an_invitation_sheet_prints_on_a4_three_cards_a_row_with_its_date_written_out(db, invited):
    from documents import invitation_sheet
    from storage import invitations

    issued = invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    sheet = next(iter(invitation_sheet.sheets_by_department(issued, "rectify_bot", SHANGHAI).values()))
    assert "@page { size: A4 portrait; margin: 10mm; }" in sheet  # a browser's default was Letter
    card = re.search(r"\.card \{ width: (\d+)mm; border: 1px dashed #888; padding: (\d+)mm;", sheet)
    width, padding = int(card[1]), int(card[2])
    assert 3 * (width + 2 * padding) + 2 * 6 <= 210 - 2 * 10  # three a row within the margins
    expires = datetime.fromisoformat(issued[0].expires_at).astimezone(SHANGHAI).date()
    assert f"{expires.year}年{expires.month}月{expires.day}日 前有效" in sheet


def test_a_period_with_no_problems_draws_no_empty_chart_and_does_not_call_them_all_done():
    document = report(empty())
    said = texts(document)
    assert len(document.inline_shapes) == 0 and "报告期内无问题，未绘制图表。" in said
    assert "问题清单暂无问题。" in said and "问题清单上的事项均已完成。" not in said


def test_the_progress_chart_counts_from_zero_with_days_written_as_the_report_writes_them(monkeypatch):
    figures = drawn_figures(monkeypatch, charts)
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    charts.progress_over_time(days, [0] * 30, [0] * 30, "整改进度", summary_report.LIGHT_LABELS)
    (figure,) = figures
    axes = figure.axes[0]
    assert axes.get_ylim()[0] == 0  # a count never below 0
    ticks = [tick.get_text() for tick in axes.get_xticklabels() if tick.get_text()]
    assert ticks and all(re.fullmatch(r"1[12]月\d{1,2}日", tick) for tick in ticks), ticks


def test_the_signature_is_never_left_alone_on_a_page():
    said = report(empty()).paragraphs
    body, blank, issuer, dated = said[-4:]
    assert (issuer.text, dated.text) == ("示范县人民医院", "2026年12月1日")
    assert body.paragraph_format.keep_with_next and blank.paragraph_format.keep_with_next
    assert issuer.paragraph_format.keep_with_next
    table_last = report(dataclasses.replace(empty(), open_items=[open_item()], total=1))
    last_row = table_last.tables[-1].rows[-1]
    assert all(p.paragraph_format.keep_with_next for cell in last_row.cells for p in cell.paragraphs)


def test_no_opinion_category_with_fewer_than_k_opinions_is_named():
    found = dataclasses.replace(empty(), opinions_by_category={"医疗服务": 7, "形式主义": 1, "其他": 2})
    table = report(found).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [["类别", "条数"], ["医疗服务", "7"], ["其他类别（每类不足 5 条，合并统计）", "3"]]
    said = texts(report(found))
    assert "报告期内共收到意见建议 10 条（含匿名意见），按类别统计如下。" in said
    assert not any("形式主义" in t for t in said)


def test_a_date_column_leaves_room_for_the_gaps_between_chinese_and_digits():
    widths = summary_report.column_widths(
        ["首次反映", "代表性意见"], [["2026年9月3日", "门诊排队" * 30]], 15.6
    )
    gaps = 5 * summary_report.SCRIPT_GAP_CM  # 2026|年|9|月|3|日
    assert widths[0] >= one_line_cm("2026年9月3日") + gaps


def test_an_empty_ledger_says_so_on_its_page(db):
    content, count = ledger_workbook.to_bytes(db, date(2026, 12, 1), SHANGHAI)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert count == 0 and book["整改台账"]["E2"].value == "（暂无符合条件的问题）"
    total = [c.value for c in book["按科室汇总"][2]]
    assert total[:3] == ["合计", 0, 0]
