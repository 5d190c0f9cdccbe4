"""One person floods the bot: others' reply times, with and without the per-person rate limit.

N members of staff each ask for the ledger a few times, one after another, and the median time
to the reply is measured: first with nobody flooding (the floor, same run), then while one
member sends F /ledger at once, with the rate limit on (the defaults) and off. Target: with the
limit on, others' median stays within 1.5x the floor.

    python bench/flood.py [--people 20] [--flood 300] [--asks 5] [--problems 60] [--unlimited]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

from harness import Person, machine, sandbox, settings_for, temporary_database, timed
from updates import Unlimited

import bot  # noqa: E402  (harness put the project on the path)
from sandbox.client import SandboxClient
from storage import invitations, problems, roster
from storage.db import open_database


async def run(people: int, flood: int, asks: int, seeded: int, limit: bool | None) -> float:
    """Others' median seconds per /ledger; `limit` None: nobody floods."""
    db_path = temporary_database()
    async with sandbox() as server:
        db = open_database(db_path)
        csv = "姓名,科室,角色\n" + "".join(f"职工{n},门诊部,职工\n" for n in range(people + 1))
        roster.apply(db, roster.parse(csv.encode()), None)
        for n in range(seeded):
            problem_id = problems.create(db, f"第{n}个问题：候诊区座椅不足", None)
            db.execute("update problems set public = 1 where id = ?", [problem_id])
        db.conn.commit()
        codes = [i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)]
        env = {} if limit in (None, True) else {"RATE_LIMIT_BURST": "1000000"}
        app = bot.build_application(settings_for(server, db_path, **env), db, rate_limiter=Unlimited())
        await bot.start_polling(app, poll_timeout=1)
        client = SandboxClient(server.url)
        everyone = []
        for n in range(len(codes)):
            await client.user(20_000 + n, f"u{n}")
            everyone.append(Person(client, 20_000 + n))
        await asyncio.gather(*(p.send(f"/start {code}") for p, code in zip(everyone, codes, strict=True)))
        flooder, others = everyone[0], everyone[1:]
        times: list[float] = []

        async def ask(person: Person) -> None:
            for _ in range(asks):
                times.append(await timed(person.send("/ledger")))

        try:
            if limit is not None:
                await asyncio.gather(
                    *(
                        client.post(f"/sandbox/users/{flooder.id}/text", {"text": "/ledger"})
                        for _ in range(flood)
                    )
                )
            await asyncio.gather(*(ask(p) for p in others))
        except AssertionError:  # someone waited more than the harness's 10 s
            times.append(float("inf"))
        finally:
            await client.close()
            await bot.stop_polling(app)
            db.close()
    return statistics.median(times)


async def main(people: int, flood: int, asks: int, seeded: int, unlimited: bool) -> None:
    print(
        f"machine: {machine()}; {people} others asking /ledger {asks} times each, {seeded} problems; "
        f"one person sends {flood} /ledger at once"
    )
    quiet = await run(people, flood, asks, seeded, None)
    print(f"floor, nobody flooding: median {quiet * 1000:.0f} ms", flush=True)
    limited = await run(people, flood, asks, seeded, True)
    print(
        f"flooding, rate limit on: median {limited * 1000:.0f} ms = {limited / quiet:.2f}x (target <= 1.5)",
        flush=True,
    )
    if unlimited:  # for comparison; others may wait so long that the harness gives up (inf)
        off = await run(people, flood, asks, seeded, False)
        print(f"flooding, rate limit off: median {off * 1000:.0f} ms = {off / quiet:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--flood", type=int, default=300)
    parser.add_argument("--asks", type=int, default=5)
    parser.add_argument("--problems", type=int, default=60)
    parser.add_argument("--unlimited", action="store_true", help="also measure with the limit off")
    arguments = parser.parse_args()
    asyncio.run(
        main(arguments.people, arguments.flood, arguments.asks, arguments.problems, arguments.unlimited)
    )
