"""督导's report for the whole system as a Word document: every institution side by side (the
roll-up's ranking as a table) and a short paragraph per institution, set as the summary report
(documents/summary_report.py) sets an official document."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from documents import chinese_date
from documents.summary_report import (  # one house style for official documents
    _landscape,
    _page,
    _styles,
    _table,
    page_numbers,
    signature,
    title,
)
from storage import problems
from storage.orders import OrderFigures
from storage.rollup import Figures

HEADERS = [
    "排名",
    "单位",
    "问题数",
    "已销号",
    "销号率",
    "逾期",
    "最长逾期（天）",
    "延期",
    "满意度",
    "督办在办",
]


NO_INSTITUTIONS = (
    "{body}目前还没有下属单位接入本系统，没有可以汇总的整改落实情况。"
    "下属单位导入名单并开始使用后，本报告将逐一列出各单位的情况。"
)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def build(body: str, ranked: list[Figures], orders: dict[str, OrderFigures], written_on: date) -> bytes:
    """The .docx as bytes. CPU work: call it off the event loop."""
    document = Document()
    _page(document)
    _styles(document)
    page_numbers(document)
    document.core_properties.title = f"{body}所属单位整改落实情况汇总报告"
    title(document, f"{body}所属单位", "整改落实情况汇总报告")
    dated = document.add_paragraph(f"截至{chinese_date(written_on)}")
    dated.alignment = WD_ALIGN_PARAGRAPH.CENTER
    total = sum(f.total for f in ranked)
    closed = sum(f.closed for f in ranked)
    overdue = sum(f.overdue for f in ranked)
    document.add_heading("一、总体情况", level=1)
    if not ranked:  # a ranking "如下。" over nothing read as a page lost in printing
        document.add_paragraph(NO_INSTITUTIONS.format(body=body))
        signature(document, body, written_on)
        return _saved(document)
    rate = _percent(closed / total if total else None)
    document.add_paragraph(
        f"全系统 {len(ranked)} 个单位共查摆问题 {total} 个，已销号 {closed} 个（{rate}），"
        f"逾期未完成 {overdue} 个。各单位按销号率排名如下。"
    )
    _landscape(document)  # ten columns: upright, the institution's name kept 2.5 cm

    def pending(name: str) -> int:
        found = orders.get(name) or OrderFigures(by_step={})
        return found.open + found.confirming

    _table(
        document,
        HEADERS,
        [
            [
                rank,
                f.institution,
                f.total,
                f.closed,
                _percent(f.closure_rate),
                f.overdue,
                f.longest_overdue_days or "—",
                f.extensions,
                _percent(f.satisfaction),
                pending(f.institution),
            ]
            for rank, f in enumerate(ranked, start=1)
        ],
    )
    _landscape(document, sideways=False)
    document.add_heading("二、各单位情况", level=1)
    for f in ranked:
        red, amber = f.by_light.get(problems.RED, 0), f.by_light.get(problems.AMBER, 0)
        lines = [
            f"{f.institution}：查摆问题 {f.total} 个，已销号 {f.closed} 个，"
            f"销号率 {_percent(f.closure_rate)}；红灯 {red} 个，黄灯 {amber} 个。"
        ]
        if f.overdue:
            lines.append(f"最长逾期 {f.longest_overdue_days} 天（{f.longest_overdue_title}）。")
        if f.satisfaction is not None:
            lines.append(f"回头看群众满意度 {_percent(f.satisfaction)}（计票 {f.counted}）。")
        if f.opinions_public:
            counts = "、".join(f"{category} {n} 条" for category, n in f.opinions_public.items())
            lines.append(f"群众通过意见箱二维码反映：{counts}。")
        document.add_paragraph("".join(lines))
    signature(document, body, written_on)
    return _saved(document)


def _saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
