"""述职评议 across institutions: the supervising body's rating sheet whose subjects are its
institutions' leadership teams (their secretaries report, are questioned and rated), rated by
the body's panel (督导组 and 委领导) with the same unlinkable ballots and k threshold as any
sheet (storage/evaluations.py). A subject flagged 一般 or 差 becomes a 督办 order to that
institution (storage/orders.py), once."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from storage import evaluations
from storage.people import COMMISSION, SUPERVISOR

PANEL = frozenset({SUPERVISOR, COMMISSION})
SUBJECT_SUFFIX = "领导班子"


class AppraisalTwin(Exception):
    """The same appraisal is open already (its title typed again): `sheet` is that one."""

    def __init__(self, sheet: evaluations.Sheet) -> None:
        super().__init__(sheet.id)
        self.sheet = sheet


def open_twin(db: sqlite_utils.Database, title: str) -> evaluations.Sheet | None:
    """The panel's open sheet of this title."""
    title = " ".join(title.split())
    return next(
        (s for s in evaluations.open_sheets(db) if is_panel_sheet(s) and " ".join(s.title.split()) == title),
        None,
    )


def create(
    db: sqlite_utils.Database,
    title: str,
    units: list[tuple[int, str]],
    closes_at: datetime,
    created_by: int | None,
) -> int:
    """A sheet with one subject per institution (id, name), in the given order; refused
    (AppraisalTwin) while one of the same title is open: every rater would be asked twice."""
    twin = open_twin(db, title)
    if twin is not None:
        raise AppraisalTwin(twin)
    subjects = [
        evaluations.Subject(position, f"{name}{SUBJECT_SUFFIX}") for position, (_, name) in enumerate(units)
    ]
    with db.atomic():
        sheet_id = evaluations.create(db, title, subjects, closes_at, roles=PANEL, created_by=created_by)
        for position, (institution_id, _) in enumerate(units):
            db.execute(
                "insert into appraisal_subjects (sheet_id, position, institution_id) values (?, ?, ?)",
                [sheet_id, position, institution_id],
            )
    return sheet_id


def is_panel_sheet(sheet: evaluations.Sheet) -> bool:
    """A sheet rated by the body's panel (its 述职评议): the slips' group there is the invited
    delegates (特邀代表: 人大代表, institutions' 服务对象代表), not a hospital's service users."""
    return sheet.roles == PANEL


def institution_of(db: sqlite_utils.Database, sheet_id: int, position: int) -> tuple[int, int | None] | None:
    """(institution id, the order it was flagged into or None), or None for an ordinary sheet."""
    row = db.execute(
        "select institution_id, order_id from appraisal_subjects where sheet_id = ? and position = ?",
        [sheet_id, position],
    ).fetchone()
    return (row[0], row[1]) if row else None


def flagged_into(db: sqlite_utils.Database, sheet_id: int, position: int, order_id: int) -> bool:
    """Record the order a flagged subject became; False when it had one already (a double tap)."""
    with db.atomic():
        return (
            db.execute(
                "update appraisal_subjects set order_id = ? where sheet_id = ? and position = ? "
                "and order_id is null",
                [order_id, sheet_id, position],
            ).rowcount
            == 1
        )
