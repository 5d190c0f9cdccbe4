"""A row a job cannot handle is logged, skipped and reported to the office once; the job goes
on with the rest. One malformed deadline must not stop every reminder of the institution.

The report names the table, the row and the kind of error, never the row's content (it could
be anyone's text), so that a technician can find and mend it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from telegram.ext import Application

import services
from jobs import notices

log = logging.getLogger(__name__)


def report(app: Application, table: str, row_id: object, error: BaseException) -> None:
    log.error("skipped %s row %s: %s", table, row_id, type(error).__name__)
    notices.notify(
        app,
        notices.office(app),
        "notice.bad_row",
        dedup=f"bad-row:{table}:{row_id}",
        table=table,
        id=str(row_id),
        error=type(error).__name__,
    )


@contextmanager
def skipped_if_bad(app: Application, table: str, row_id: object, *, savepoint: bool = True) -> Iterator[None]:
    """Work on one row in a savepoint of its own: if it raises, what it wrote is undone, the
    row is reported and skipped, and the caller goes on with the next. Without the savepoint
    (for work whose writes are each deduplicated, where tens of thousands of savepoints would
    cost more than the work) what was written before the error stays."""
    try:
        if savepoint:
            with services.of(app).db.atomic():
                yield
        else:
            yield
    except Exception as error:  # noqa: BLE001 - any error of one row must not stop the others
        report(app, table, row_id, error)


def reporter(app: Application):
    """For storage readers that take a `bad_row(table, id, error)` callback."""
    return lambda table, row_id, error: report(app, table, row_id, error)
