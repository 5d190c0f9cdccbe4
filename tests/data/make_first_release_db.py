"""Makes tests/data/first-release.db with the first release's own code (commit b03e86f, the
foundation: roster, invitations, joining), for the upgrade test. Run from the repository:

    python tests/data/make_first_release_db.py

Kept so the fixture can be made again; the test reads the committed file and needs no git.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

FIRST_RELEASE = "b03e86f"
ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(__file__).with_name("first-release.db")
ROSTER = """姓名,科室,角色
张伟,门诊部,职工
李娜,院办,班子成员
王芳,组织人事科,活动办
刘洋,门诊部,科室负责人
"""


def main() -> None:
    archive = subprocess.run(["git", "archive", FIRST_RELEASE, "storage"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(folder, filter="data")
        sys.path.insert(0, folder)
        from storage import invitations, roster  # the first release's modules
        from storage.db import open_database

        TARGET.unlink(missing_ok=True)
        db = open_database(TARGET)
        roster.apply(db, roster.parse(ROSTER.encode()), None)
        issued = {i.person.name: i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)}
        invitations.redeem(db, issued["张伟"], 101, 101, "zh-CN")
        invitations.redeem(db, issued["王芳"], 103, 103, "zh-CN")
        db.execute("pragma wal_checkpoint(truncate)")
        db.close()
    print(f"{TARGET}: made by {FIRST_RELEASE}")


if __name__ == "__main__":
    main()
