"""The schema, as the migrations that build it, in the order they run (sqlite-utils' migrations:
`sqlite-utils migrate rectify.db storage/migrations.py` finds them here). A migration once shipped
is never edited: a change is a new one. Numbers are assigned in ranges per piece of work, so they
do not run in number order; the order below is the order they run in."""

from __future__ import annotations

import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("rectify")


@migrations()
def m001_people(db: sqlite_utils.Database) -> None:
    db.table("departments").create({"id": int, "name": str}, pk="id", not_null={"name"})
    db.table("departments").create_index(["name"], unique=True)
    db.table("people").create(
        {
            "id": int,
            "roster_key": str,
            "name": str,
            "department_id": int,
            "roles": str,
            "telegram_user_id": int,
            "chat_id": int,
            "language": str,
            "reachable": int,
            "active": int,
            "joined_at": str,
        },
        pk="id",
        not_null={"roster_key", "name", "department_id", "roles", "reachable", "active"},
        defaults={"reachable": 1, "active": 1},
        foreign_keys=[("department_id", "departments", "id")],
    )
    db.table("people").create_index(["roster_key"], unique=True)
    db.table("people").create_index(["telegram_user_id"], unique=True)
    db.table("people").create_index(["department_id"])


@migrations()
def m002_invitations(db: sqlite_utils.Database) -> None:
    db.table("invitations").create(
        {
            "id": int,
            "person_id": int,
            "code_hash": str,
            "created_at": str,
            "expires_at": str,
            "used_at": str,
            "revoked_at": str,
        },
        pk="id",
        not_null={"person_id", "code_hash", "created_at", "expires_at"},
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("invitations").create_index(["code_hash"], unique=True)
    db.table("invitations").create_index(["person_id"])


@migrations()
def m003_audit(db: sqlite_utils.Database) -> None:
    db.table("audit").create(
        {"id": int, "at": str, "actor_id": int, "action": str, "subject": str, "detail": str},
        pk="id",
        not_null={"at", "action"},
    )
    db.table("audit").create_index(["subject"])


@migrations()
def m004_bot_state(db: sqlite_utils.Database) -> None:
    """What python-telegram-bot persists: conversation states and user/chat/bot data."""
    db.table("conversation_states").create(
        {"name": str, "key": str, "state": str}, pk=("name", "key"), not_null={"state"}
    )
    db.table("bot_state").create({"kind": str, "id": str, "data": str}, pk=("kind", "id"), not_null={"data"})


DEFAULT_OPINION_CATEGORIES = ("形式主义", "官僚主义", "享乐主义", "奢靡之风", "医疗服务", "工作作风", "其他")


@migrations()
def m005_opinions(db: sqlite_utils.Database) -> None:
    """Opinions are WITHOUT ROWID tables keyed by a random id: no sequence, no insertion order
    on disk, nothing that says which opinion came after which."""
    db.executescript(
        """
        create table opinions (
            id text primary key,
            anonymous integer not null,
            author_id integer references people(id),
            category text not null,
            department_id integer references departments(id),
            text text not null,
            submitted_on text not null,
            status text not null default 'new',
            duplicate_of text,
            leader_id integer references people(id),
            answer text,
            published integer not null default 0,
            released integer not null default 0,
            unread integer not null default 1,
            receipt_hash text unique,
            check (anonymous = 0 or author_id is null)
        ) without rowid;
        create index opinions_inbox on opinions (released, status);
        create index opinions_department on opinions (department_id);
        create table opinion_photos (
            opinion_id text not null references opinions(id),
            position integer not null,
            jpeg blob not null,
            file_id text,
            primary key (opinion_id, position)
        ) without rowid;
        create table opinion_messages (
            opinion_id text not null references opinions(id),
            seq integer not null,
            sender text not null check (sender in ('office', 'submitter')),
            office_author_id integer references people(id),
            text text not null,
            on_date text not null,
            released integer not null default 1,
            primary key (opinion_id, seq)
        ) without rowid;
        create table opinion_subscriptions (
            opinion_id text primary key references opinions(id),
            sealed_chat text not null
        ) without rowid;
        create table opinion_categories (
            name text primary key,
            position integer not null
        ) without rowid;
        """
    )
    for position, name in enumerate(DEFAULT_OPINION_CATEGORIES):
        db.execute("insert into opinion_categories values (?, ?)", [name, position])


@migrations()
def m006_problems(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        create table problems (
            id integer primary key,
            title text not null,
            description text not null default '',
            category text,
            source text not null,
            kind text not null default 'deadline',
            horizon text not null default 'short',
            measures text,
            leader_id integer references people(id),
            department_id integer references departments(id),
            deadline text,
            status text not null default 'listed',
            public integer not null default 1,
            progress integer not null default 0,
            explanation text,
            review_on text,
            created_at text not null,
            last_progress_at text,
            closed_at text
        );
        create index problems_status on problems (status);
        create index problems_leader on problems (leader_id);
        create index problems_department on problems (department_id);
        create table problem_opinions (
            problem_id integer not null references problems(id),
            opinion_id text not null references opinions(id),
            primary key (problem_id, opinion_id)
        );
        create index problem_opinions_opinion on problem_opinions (opinion_id);
        create table problem_reports (
            id integer primary key,
            problem_id integer not null references problems(id),
            author_id integer not null references people(id),
            text text not null,
            percent integer not null,
            at text not null
        );
        create index problem_reports_problem on problem_reports (problem_id);
        create table problem_report_photos (
            report_id integer not null references problem_reports(id),
            position integer not null,
            jpeg blob not null,
            file_id text,
            primary key (report_id, position)
        );
        """
    )


@migrations()
def m007_outbox(db: sqlite_utils.Database) -> None:
    """Every message the bot sends on its own is first a row here (see jobs/delivery.py)."""
    db.executescript(
        """
        create table outbox (
            id integer primary key,
            person_id integer references people(id),
            chat_id integer,
            text text not null,
            buttons text,
            dedup_key text unique,
            due_at text not null,
            sent_at text,
            failed_at text,
            attempts integer not null default 0,
            last_error text
        );
        create index outbox_due on outbox (sent_at, failed_at, due_at);
        """
    )


@migrations()
def m008_milestones(db: sqlite_utils.Database) -> None:
    """Long-term (长期坚持) problems move by milestones rather than one deadline."""
    db.executescript(
        """
        create table problem_milestones (
            problem_id integer not null references problems(id),
            position integer not null,
            title text not null,
            due text not null,
            done_at text,
            primary key (problem_id, position)
        );
        """
    )


@migrations()
def m009_reminders(db: sqlite_utils.Database) -> None:
    """Outbox rows that share a group for one person go out as one message; job_state keeps
    when the sweeper last looked, so a restart catches up exactly once."""
    db.execute("alter table outbox add column grouping text")
    db.table("job_state").create({"name": str, "value": str}, pk="name", not_null={"value"})


@migrations()
def m010_lookbacks(db: sqlite_utils.Database) -> None:
    """Look-backs (回头看). Ballots carry no voter and have random keys (no insertion order);
    the voters list, kept apart to stop double votes and to remind, holds the date only."""
    db.executescript(
        """
        create table lookbacks (
            id integer primary key,
            problem_id integer not null references problems(id),
            round text not null,
            opens_on text not null,
            closes_on text not null,
            confirmed_by integer references people(id),
            confirmation text,
            result text,
            unique (problem_id, round)
        );
        create table lookback_ballots (
            id text primary key,
            lookback_id integer not null references lookbacks(id),
            choice text not null check (choice in ('satisfied', 'basic', 'unsatisfied', 'unknown'))
        ) without rowid;
        create table lookback_voters (
            lookback_id integer not null references lookbacks(id),
            voter text not null,
            on_date text not null,
            primary key (lookback_id, voter)
        ) without rowid;
        """
    )


@migrations()
def m011_calendar(db: sqlite_utils.Database) -> None:
    """The campaign calendar: phases (学习教育、听取意见 …) and meetings (动员大会 …)."""
    db.executescript(
        """
        create table events (
            id integer primary key,
            kind text not null check (kind in ('phase', 'meeting')),
            title text not null,
            starts_at text not null,
            ends_at text,
            place text not null default '',
            roles text not null default '',
            departments text not null default '',
            cancelled integer not null default 0
        );
        create index events_start on events (starts_at);
        """
    )


@migrations()
def m012_lookback_evidence(db: sqlite_utils.Database) -> None:
    db.execute("alter table lookbacks add column evidence blob")


@migrations()
def m013_digests(db: sqlite_utils.Database) -> None:
    """Each leader's and office member's digest schedule, and when each last got one (the
    start of "what changed since"). The audit index serves that question; an outbox row may
    carry a photo (the digest's chart)."""
    db.execute("alter table outbox add column photo blob")
    db.executescript(
        """
        create table digest_settings (
            person_id integer primary key references people(id),
            frequency text not null default 'daily' check (frequency in ('daily', 'weekly', 'off')),
            at_time text not null default '08:30',
            last_digest_at text
        );
        create index audit_at on audit (at);
        """
    )


@migrations()
def m014_evaluations(db: sqlite_utils.Database) -> None:
    """Democratic evaluation (民主评议). Ballots are one row per subject and item with a random
    key and no voter; the voters list, apart, holds the day only (to stop double votes and to
    remind those who have not rated)."""
    db.executescript(
        """
        create table evaluation_sheets (
            id integer primary key,
            title text not null,
            items text not null,
            grades text not null,
            roles text not null default '',
            departments text not null default '',
            opens_at text not null,
            closes_at text not null,
            concluded integer not null default 0,
            published integer not null default 0,
            created_by integer references people(id)
        );
        create table evaluation_subjects (
            sheet_id integer not null references evaluation_sheets(id),
            position integer not null,
            name text not null,
            person_id integer references people(id),
            department_id integer references departments(id),
            problem_id integer references problems(id),
            primary key (sheet_id, position)
        );
        create table evaluation_ballots (
            id text primary key,
            sheet_id integer not null references evaluation_sheets(id),
            subject integer not null,
            item integer,
            grade text not null
        ) without rowid;
        create index evaluation_ballots_sheet on evaluation_ballots (sheet_id, subject);
        create table evaluation_voters (
            sheet_id integer not null references evaluation_sheets(id),
            person_id integer not null references people(id),
            on_date text not null,
            primary key (sheet_id, person_id)
        ) without rowid;
        """
    )


@migrations()
def m015_self_checks(db: sqlite_utils.Database) -> None:
    """Self-check reports (自查报告): asked of a department or a person, reviewed, returned and
    redone until approved. Problems taken from one link back to it."""
    db.executescript(
        """
        create table self_checks (
            id integer primary key,
            department_id integer references departments(id),
            person_id integer references people(id),
            reviewer_id integer references people(id),
            requested_by integer references people(id),
            due_on text not null,
            status text not null default 'requested'
                check (status in ('requested', 'submitted', 'returned', 'approved')),
            author_id integer references people(id),
            method text,
            findings text,
            measures text,
            document blob,
            document_name text,
            comment text,
            created_at text not null,
            submitted_at text,
            reviewed_at text
        );
        create index self_checks_status on self_checks (status, due_on);
        create table self_check_problems (
            self_check_id integer not null references self_checks(id),
            problem_id integer not null references problems(id),
            primary key (self_check_id, problem_id)
        );
        """
    )


@migrations()
def m016_scale_indexes(db: sqlite_utils.Database) -> None:
    """What a campaign with a million opinions needs: digests ask for the opinions of a few
    days, the look-back and ledger ask by problem."""
    db.executescript(
        """
        create index opinions_released_on on opinions (released, submitted_on);
        create index lookbacks_problem on lookbacks (problem_id, result);
        """
    )


@migrations()
def m017_opinions_by_department_day(db: sqlite_utils.Database) -> None:
    """A leader's digest asks for a day's opinions about their departments or sent to them:
    with a million opinions, a day holds thousands, of which a leader's are a few."""
    db.executescript(
        """
        create index opinions_department_day on opinions (department_id, submitted_on);
        create index opinions_leader on opinions (leader_id);
        """
    )


@migrations()
def m018_digest_opinions_from_the_index(db: sqlite_utils.Database) -> None:
    """A leader's digest counts a day's opinions by category and anonymity: with these columns
    in the indexes it reads them from the index, not each opinion's row (200 leaders' digests
    read 340,000 rows at the full benchmark size)."""
    db.executescript(
        """
        drop index opinions_department_day;
        drop index opinions_leader;
        create index opinions_department_day
            on opinions (department_id, submitted_on, released, status, category, anonymous);
        create index opinions_leader
            on opinions (leader_id, submitted_on, released, status, department_id, category, anonymous);
        """
    )


@migrations()
def m040_extensions(db: sqlite_utils.Database) -> None:
    """申请延期: a head or leader asks for a later deadline with a reason; the leader (for a
    head) or the office (for a leader) approves or refuses. Offices are judged on how many."""
    db.executescript(
        """
        create table problem_extensions (
            id integer primary key,
            problem_id integer not null references problems(id),
            requester_id integer not null references people(id),
            reason text not null,
            old_deadline text,
            new_deadline text not null,
            asked_at text not null,
            decider_role text not null,
            decider_id integer references people(id),
            decision text,
            decided_at text
        );
        create index problem_extensions_problem on problem_extensions (problem_id, decision);
        """
    )


@migrations()
def m050_hotspots(db: sqlite_utils.Database) -> None:
    """Opinion hotspots: groups of opinions that raise the same problem. A group's id is random
    text like an opinion's (no sequence says which group came first); a membership row holds
    nothing but the two ids and whether the office placed it (the grouping then keeps it)."""
    db.executescript(
        """
        create table hotspot_groups (
            id text primary key,
            representative text references opinions(id)
        ) without rowid;
        create table hotspot_members (
            opinion_id text primary key references opinions(id),
            group_id text not null references hotspot_groups(id),
            placed_by_office integer not null default 0
        ) without rowid;
        create index hotspot_members_group on hotspot_members (group_id);
        """
    )


@migrations()
def m025_problems_in_deadline_order(db: sqlite_utils.Database) -> None:
    """Pages for people and the ledger export read the list in deadline order, a page at a
    time after the last one shown (storage.problems.page / each): this index makes each page
    start where the last ended instead of sorting the whole list again."""
    db.execute("create index problems_deadline_order on problems (coalesce(deadline, '9999-12-31'), id)")


@migrations()
def m026_conversation_states_by_name(db: sqlite_utils.Database) -> None:
    """Conversation states were range(n) integers; they are names now (handlers/conversations.py),
    so that a state added in the middle moves nobody. Someone in the middle of a flow at this
    deploy stays at the same step: each integer becomes the name of the state it stood for
    (frozen here as the code had them). A state no conversation had is dropped (the person
    starts again)."""
    import json

    old = {
        "opinion": (
            "choosing_mode",
            "choosing_category",
            "choosing_department",
            "writing",
            "adding_photos",
            "reviewing",
        ),
        "receipt": ("asking_code", "writing_back"),
        "inbox_action": ("typing_reply", "typing_original", "typing_answer"),
        "office_problems": ("title", "description", "kind", "horizon", "return_comment", "findings_file"),
        "leadership": ("measures", "department", "deadline", "confirm", "reason", "review_date"),
        "progress_report": ("text", "photo", "percent"),
        "lookback_confirm": ("evidence",),
        "roster_import": ("waiting_file", "confirming"),
        "self_checks": ("method", "findings", "measures", "confirm", "return_comment"),
    }
    for name, key, state in list(db.execute("select name, key, state from conversation_states")):
        value = json.loads(state)
        if isinstance(value, str):
            continue
        names = old.get(name, ())
        if isinstance(value, int) and 0 <= value < len(names):
            db.execute(
                "update conversation_states set state = ? where name = ? and key = ?",
                [json.dumps(names[value]), name, key],
            )
        else:
            db.execute("delete from conversation_states where name = ? and key = ?", [name, key])


@migrations()
def m035_published_opinion_text(db: sqlite_utils.Database) -> None:
    """What everyone was sent when an answer was published: the office may redact the opinion's
    words for the public (the original stays in the thread)."""
    db.execute("alter table opinions add column public_text text")


@migrations()
def m036_lookback_electorate(db: sqlite_utils.Database) -> None:
    """Who a look-back asks, chosen when it opens (the departments the problem is about and the
    one that fixed it) and widened by the office: a department, a role, or everyone."""
    db.executescript(
        """
        create table lookback_electorate (
            lookback_id integer not null references lookbacks(id),
            kind text not null check (kind in ('department', 'role', 'everyone')),
            value text not null default '',
            primary key (lookback_id, kind, value)
        ) without rowid;
        """
    )


@migrations()
def m060_lookback_ballots_by_lookback(db: sqlite_utils.Database) -> None:
    """The ballots of one look-back, counted by choice from the index alone (the tally, the
    ledger's satisfaction column): without it every count read every ballot. The index orders
    ballots by look-back, choice and random key: nothing of the order in which they came."""
    db.execute(
        "create index if not exists lookback_ballots_lookback on lookback_ballots (lookback_id, choice)"
    )


# An opinion the office still works on (storage/opinions.OPEN_STATUSES, released): written out
# here because a migration is history and must not change when that constant does.
_OPEN_OPINION = "{o}.released = 1 and {o}.status in ('new', 'replied', 'forwarded')"


@migrations()
def m090_hotspot_open_sizes(db: sqlite_utils.Database) -> None:
    """How many open opinions each hotspot group holds, kept by triggers as opinions are placed,
    moved, answered or closed, so that the office's cards are the first rows of an index instead
    of a count over every grouped opinion (0.2–0.5 s at 100,000). A count per group, nothing of
    when or by whom."""
    joined = _OPEN_OPINION.format(o="o")
    # one statement at a time (not executescript, which commits first): the migration stays
    # in its transaction
    script = f"""
        alter table hotspot_groups add column open_size integer not null default 0;
        update hotspot_groups set open_size = (select count(*) from hotspot_members m
            join opinions o on o.id = m.opinion_id where m.group_id = hotspot_groups.id and {joined});
        create index hotspot_groups_by_open_size on hotspot_groups (open_size desc, id);
        create trigger hotspot_open_join after insert on hotspot_members
        when exists (select 1 from opinions o where o.id = new.opinion_id and {joined})
        begin
            update hotspot_groups set open_size = open_size + 1 where id = new.group_id;
        end;
        create trigger hotspot_open_leave after delete on hotspot_members
        when exists (select 1 from opinions o where o.id = old.opinion_id and {joined})
        begin
            update hotspot_groups set open_size = open_size - 1 where id = old.group_id;
        end;
        create trigger hotspot_open_move after update of group_id on hotspot_members
        when old.group_id != new.group_id
            and exists (select 1 from opinions o where o.id = new.opinion_id and {joined})
        begin
            update hotspot_groups set open_size = open_size - 1 where id = old.group_id;
            update hotspot_groups set open_size = open_size + 1 where id = new.group_id;
        end;
        create trigger hotspot_open_status after update of status, released on opinions
        when ({_OPEN_OPINION.format(o="old")}) != ({_OPEN_OPINION.format(o="new")})
        begin
            update hotspot_groups
            set open_size = open_size + (case when {_OPEN_OPINION.format(o="new")} then 1 else -1 end)
            where id = (select group_id from hotspot_members where opinion_id = new.id);
        end;
        create trigger hotspot_open_forget after delete on opinions
        when {_OPEN_OPINION.format(o="old")}
        begin
            update hotspot_groups set open_size = open_size - 1
            where id = (select group_id from hotspot_members where opinion_id = old.id);
        end;
        """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):  # a trigger ends at its END, not its first ;
            db.execute(statement)
            statement = ""


@migrations()
def m100_institutions(db: sqlite_utils.Database) -> None:
    """督导: the directory of a deployment with several institutions, kept in the main
    database. Each institution (and the supervising body) is a database of its own; the main
    database is the one named INSTITUTION_NAME (path ''). A deployment with one institution
    leaves both tables empty and is exactly what it was."""
    db.executescript(
        """
        create table institutions (
            id integer primary key,
            name text not null unique,
            kind text not null check (kind in ('body', 'institution')),
            path text not null default '',
            public_code text not null unique,
            created_at text not null
        );
        create table institution_members (
            telegram_user_id integer primary key,
            institution_id integer not null references institutions(id)
        ) without rowid;
        """
    )


@migrations()
def m101_supervision_orders(db: sqlite_utils.Database) -> None:
    """督办: the supervising body's orders to its institutions, in the body's database. Each
    becomes a problem in the institution's own database (problem_id there); closing it waits
    for the supervisor's confirmation. The steps of 五书制 (通知 → 提醒 → 告诫 → 约谈) are
    recorded one row each."""
    db.executescript(
        """
        create table supervision_orders (
            id integer primary key,
            institution_id integer not null,
            problem_id integer,
            title text not null,
            details text not null default '',
            deadline text not null,
            issued_by integer references people(id),
            issued_at text not null,
            step integer not null default 1,
            status text not null default 'open'
                check (status in ('open', 'confirming', 'confirmed')),
            confirmed_at text
        );
        create index supervision_orders_institution on supervision_orders (institution_id, status);
        create table supervision_steps (
            order_id integer not null references supervision_orders(id),
            step integer not null,
            at text not null,
            by_person integer references people(id),
            note text not null default '',
            primary key (order_id, step, at)
        );
        """
    )


@migrations()
def m102_reports_upward(db: sqlite_utils.Database) -> None:
    """专题书面报告: the supervising body asks its institutions for a written report by a date;
    each institution's office submits one (a document), which the body accepts or returns."""
    db.executescript(
        """
        create table report_requests (
            id integer primary key,
            title text not null,
            due_on text not null,
            requested_by integer references people(id),
            requested_at text not null
        );
        create table report_submissions (
            request_id integer not null references report_requests(id),
            institution_id integer not null,
            status text not null check (status in ('submitted', 'accepted', 'returned')),
            document blob not null,
            file_name text not null,
            submitted_at text not null,
            decided_at text,
            primary key (request_id, institution_id)
        );
        """
    )


@migrations()
def m103_appraisals(db: sqlite_utils.Database) -> None:
    """述职评议 across institutions: a rating sheet of the body whose subjects are its
    institutions' leadership teams; a flagged one becomes a 督办 order to that institution."""
    db.executescript(
        """
        create table appraisal_subjects (
            sheet_id integer not null references evaluation_sheets(id),
            position integer not null,
            institution_id integer not null,
            order_id integer references supervision_orders(id),
            primary key (sheet_id, position)
        );
        """
    )


@migrations()
def m070_evaluation_viewers(db: sqlite_utils.Database) -> None:
    """The leaders the office names to see a sheet's results (民主评议 results are confidential:
    the office and these leaders); sheet 0 holds the standing choice that every sheet has."""
    db.executescript(
        """
        create table evaluation_viewers (
            sheet_id integer not null,
            person_id integer not null references people(id),
            primary key (sheet_id, person_id)
        ) without rowid;
        """
    )


@migrations()
def m071_durable_reports_and_sealed_notices(db: sqlite_utils.Database) -> None:
    """Two things that lived only in memory and were lost when the bot restarted between
    queueing and delivery: the office's report of how many copies of a broadcast arrived
    (broadcast_reports: sent once none of the copies is still waiting), and the notices to
    receipt holders, which go through the sealed link (sealed_outbox: addressed to an opinion,
    never to a person; no times; a row is kept, done, so that a notice goes once)."""
    db.executescript(
        """
        create table broadcast_reports (
            prefix text primary key,
            person_id integer not null references people(id),
            key text not null,
            dedup_key text not null,
            fields text not null
        );
        create table sealed_outbox (
            id integer primary key,
            opinion_id text not null,
            text text not null,
            dedup_key text not null unique,
            done integer not null default 0
        );
        create index sealed_outbox_waiting on sealed_outbox (id) where done = 0;
        """
    )


@migrations()
def m130_public_box(db: sqlite_utils.Database) -> None:
    """The public's box (群众意见箱): one row per institution's database, with the code behind the
    lobby poster's link and whether the office has paused it; and on each opinion whether it
    came from the public (群众) rather than from staff."""
    db.executescript(
        """
        create table public_box (
            id integer primary key check (id = 1),
            code text not null unique,
            paused integer not null default 0,
            created_on text not null
        );
        alter table opinions add column public integer not null default 0;
        """
    )


@migrations()
def m131_rating_slips(db: sqlite_utils.Database) -> None:
    """One-time rating slips (评议票) for service users' representatives and 监督员: a slip is
    kept only as a keyed hash of its code, and marked used with its ballot's batch; a ballot
    says which group it came from (staff, or a slip), so each group is counted on its own."""
    db.executescript(
        """
        alter table evaluation_ballots add column grp text not null default 'staff';
        create table evaluation_slips (
            slip_hash text primary key,
            sheet_id integer not null references evaluation_sheets(id),
            used integer not null default 0,
            used_on text
        ) without rowid;
        create index evaluation_slips_sheet on evaluation_slips (sheet_id, used);
        """
    )


@migrations()
def m132_questionnaires(db: sqlite_utils.Database) -> None:
    """Questionnaires (问卷调查): questions of four kinds, sent to roles and departments and,
    with a public code, to anyone holding its link; answers written like ballots, one
    row per answered question with a random key and no respondent, in shuffled batches of at
    least k respondents; the respondents list, apart, holds the day only (no double answers,
    reminders to the rest)."""
    db.executescript(
        """
        create table surveys (
            id integer primary key,
            title text not null,
            roles text not null default '',
            departments text not null default '[]',
            opens_at text not null,
            closes_at text not null,
            concluded integer not null default 0,
            created_by integer references people(id),
            public_code text unique
        );
        create table survey_questions (
            survey_id integer not null references surveys(id),
            position integer not null,
            kind text not null check (kind in ('single', 'multiple', 'scale', 'text')),
            text text not null,
            options text not null default '[]',
            primary key (survey_id, position)
        ) without rowid;
        create table survey_answers (
            id text primary key,
            survey_id integer not null references surveys(id),
            question integer not null,
            value text not null
        ) without rowid;
        create index survey_answers_question on survey_answers (survey_id, question, value);
        create table survey_respondents (
            survey_id integer not null references surveys(id),
            person_id integer not null references people(id),
            on_date text not null,
            primary key (survey_id, person_id)
        ) without rowid;
        """
    )


@migrations()
def m120_open_lookbacks_by_day(db: sqlite_utils.Database) -> None:
    """The sweeper asks each working day for the open look-backs opened that day (to ask their
    electorate) and those whose voting is over: at full size tens of thousands of look-backs,
    read through on every slot without these."""
    db.executescript(
        """
        create index if not exists lookbacks_open_by_opening on lookbacks (opens_on) where result is null;
        create index if not exists lookbacks_open_by_closing on lookbacks (closes_on) where result is null;
        """
    )


@migrations()
def m240_public_ledger_to_guests(db: sqlite_utils.Database) -> None:
    """Whether the institution publishes its public ledger to guests (anyone holding the lobby
    poster's link): off until the office confirms it."""
    db.executescript(
        """
        alter table public_box add column ledger_published integer not null default 0;
        """
    )


@migrations()
def m250_report_versions(db: sqlite_utils.Database) -> None:
    """专题书面报告: every version an institution sent (generated or uploaded) and the body's word
    on each (accepted, or returned with a comment), kept; the submission keeps the current
    state only (its document moves to its first version)."""
    db.executescript(
        """
        create table report_versions (
            request_id integer not null references report_requests(id),
            institution_id integer not null,
            version integer not null,
            source text not null check (source in ('generated', 'uploaded')),
            document blob not null,
            file_name text not null,
            submitted_at text not null,
            decision text check (decision in ('accepted', 'returned')),
            comment text,
            decided_at text,
            decided_by integer references people(id),
            primary key (request_id, institution_id, version)
        );
        insert into report_versions (request_id, institution_id, version, source, document, file_name,
                                     submitted_at, decision, decided_at)
            select request_id, institution_id, 1, 'generated', document, file_name, submitted_at,
                   case when status = 'submitted' then null else status end, decided_at
            from report_submissions;
        """
    )
    db.table("report_submissions").transform(drop={"document", "file_name"})


@migrations()
def m200_closure_review_is_its_own_conversation(db: sqlite_utils.Database) -> None:
    """Returning a problem with a comment (退回) was a step of the office's problem conversation;
    it is a conversation of its own now (handlers/problems/closures.py). Someone typing that
    comment at this deploy stays at it."""
    db.execute(
        "update conversation_states set name = 'closure_review' "
        "where name = 'office_problems' and state = '\"return_comment\"'"
    )


@migrations()
def m201_explanation_is_its_own_conversation(db: sqlite_utils.Database) -> None:
    """A leader's explanation (说明原因) was three steps of the leader's dispatch conversation; it
    is a conversation of its own now (handlers/problems/explain.py), with the same step names.
    Someone in the middle of one at this deploy stays at their step."""
    db.execute(
        "update conversation_states set name = 'explanation' where name = 'leadership' "
        "and state in ('\"reason\"', '\"review_date\"', '\"confirm_explain\"')"
    )


@migrations()
def m202_closure_request_is_its_own_conversation(db: sqlite_utils.Database) -> None:
    """A head's reason for asking closure below 100% was a step of the progress report's
    conversation; it is a conversation of its own now (handlers/problems/closure_request.py).
    Someone typing that reason at this deploy stays at it."""
    db.execute(
        "update conversation_states set name = 'closure_request' "
        "where name = 'progress_report' and state = '\"closure_reason\"'"
    )


@migrations()
def m210_problems_by_public(db: sqlite_utils.Database) -> None:
    """Every `/ledger` counts the public problems to say how many pages there are; without this
    the count read the whole table (at full size, 100,000 rows on the event loop per ask)."""
    db.execute("create index if not exists problems_public on problems (public)")


@migrations()
def m260_rollup_indexes(db: sqlite_utils.Database) -> None:
    """督导's roll-up reads every institution's problems by status and light, and its released
    opinions by category: from these indexes alone (each holds every column its query reads),
    in the order the query groups by, so a 10,000-problem institution is read without touching
    a row of its tables or sorting. The price: about 40 bytes a problem and 20 an opinion."""
    db.executescript(
        """
        create index if not exists problems_rollup
            on problems (status, deadline, last_progress_at, created_at);
        create index if not exists opinions_released_category on opinions (released, category);
        """
    )


@migrations()
def m280_public_ledger_in_deadline_order(db: sqlite_utils.Database) -> None:
    """`/ledger`'s page (the public problems by deadline, then number) straight from an index:
    with only `problems_public`, SQLite found every public problem and sorted them all for each
    page (at full size 100,000 rows, 120 ms on the event loop per ask). The expression is the
    one storage/problems.py orders by."""
    db.execute(
        "create index if not exists problems_public_page "
        "on problems (public, coalesce(deadline, '9999-12-31'), id)"
    )


@migrations()
def m281_public_problems_counted(db: sqlite_utils.Database) -> None:
    """How many problems are public, kept as they are written (by triggers, in the writer's
    own transaction), so that `/ledger` reads one row for its page count instead of counting
    an index of every problem (at full size 12 ms on the event loop per ask, and 100 people
    asking)."""
    db.executescript(
        """
        create table if not exists problem_counts (
            public integer primary key,
            count integer not null
        );
        delete from problem_counts;
        insert into problem_counts (public, count) select public, count(*) from problems group by public;
        create trigger if not exists problem_counts_insert after insert on problems begin
            insert or ignore into problem_counts (public, count) values (new.public, 0);
            update problem_counts set count = count + 1 where public = new.public;
        end;
        create trigger if not exists problem_counts_delete after delete on problems begin
            update problem_counts set count = count - 1 where public = old.public;
        end;
        create trigger if not exists problem_counts_update after update of public on problems
        when old.public is not new.public begin
            update problem_counts set count = count - 1 where public = old.public;
            insert or ignore into problem_counts (public, count) values (new.public, 0);
            update problem_counts set count = count + 1 where public = new.public;
        end;
        """
    )


@migrations()
def m290_hotspot_parts(db: sqlite_utils.Database) -> None:
    """The part of its group each grouped opinion is in, so that the grouping learns from the
    office's merges and moves across a restart (hotspots/engine.py Index): null for the group's
    own part (all a group the grouping made alone), else a random id like a group's (the group
    a merge brought in, or the office's move of one opinion). Two random ids, as before."""
    db.execute("alter table hotspot_members add column part_id text")


@migrations()
def m296_department_former_names(db: sqlite_utils.Database) -> None:
    """The names a department had before the office renamed it or merged it into another
    (storage/departments.py), normalised: a roster file, a typed /invite or /export, a draft
    or an old button that still says 公卫科 finds 公共卫生科 rather than creating the typo
    again. `former_id`: the id a merged or removed department had (a rename keeps its id);
    `department_id` null: removed (its id is then never given to a new department)."""
    db.executescript(
        """
        create table department_former_names (
            name text primary key,
            department_id integer references departments(id),
            former_id integer
        );
        create index department_former_ids on department_former_names (former_id);
        create index department_former_current on department_former_names (department_id);
        """
    )


@migrations()
def m313_claimed_problems_moved(db: sqlite_utils.Database) -> None:
    """A claimed problem's light counts the working days since it came to its leader
    (problems.still_before): from now on claim, assign and revisit set last_progress_at. The
    problems claimed before this read the moment from their audit trail, not their listing."""
    db.execute(
        """
        update problems set last_progress_at = (
            select max(a.at) from audit a where a.subject = 'problem:' || problems.id
            and a.action in ('problem.claim', 'problem.assign', 'problem.revisit')
        )
        where status = 'claimed' and exists (
            select 1 from audit a where a.subject = 'problem:' || problems.id
            and a.action in ('problem.claim', 'problem.assign', 'problem.revisit')
            and a.at > coalesce(problems.last_progress_at, '')
        )
        """
    )


@migrations()
def m314_outbox_edits(db: sqlite_utils.Database) -> None:
    """`edit_of`: a row that edits the message of that earlier row instead of sending a new one
    (a 新问题待接单 notice says who took the problem once someone has). Which message a row became
    is kept in memory only (jobs/delivery.py): on disk, the message ids of a person's chat,
    notice after notice, would count the messages between them, the anonymous ones included."""
    db.execute("alter table outbox add column edit_of integer")


@migrations()
def m320_listed_opinions_leave_the_inbox(db: sqlite_utils.Database) -> None:
    """An opinion listed as a problem before it was opened (a 🔥 group listed whole) stayed
    unread, so the inbox counted it 待处理 while the digest and the report counted it 已列为问题
    (storage.problems.create now marks it read). Cleared where unread can only be the state it
    arrived in: its holder never wrote back (a write-back also sets unread, and must stay)."""
    db.execute(
        """
        update opinions set unread = 0
        where unread = 1
        and exists (select 1 from problem_opinions po where po.opinion_id = opinions.id)
        and not exists (
            select 1 from opinion_messages m
            where m.opinion_id = opinions.id and m.sender = 'submitter'
        )
        """
    )


@migrations()
def m350_no_message_ids_in_user_data(db: sqlite_utils.Database) -> None:
    """The persisted user data kept the chat and message id of a message a later answer edits
    (ledger_status: the /poster reply; listing's card: the inbox card an opinion is listed from;
    order_return, upward_return: a supervisor's question).
    A chat's message ids, read at two moments, count the messages between them, the anonymous
    flows' included: they are kept in memory now (handlers.access.keep_to_edit). Here the ids
    leave the rows they were written into (the database deletes securely); what the rest of
    each entry says stays, so a supervisor in the middle of a comment goes on."""
    import json

    kept = {"order_return": 1, "upward_return": 2}  # the leading values that are not the message's
    for ident, data in list(db.execute("select id, data from bot_state where kind = 'user'")):
        value = json.loads(data)
        if not isinstance(value, dict):
            continue
        changed = dict(value)
        changed.pop("ledger_status", None)
        if isinstance(changed.get("listing"), dict) and "card" in changed["listing"]:
            changed["listing"] = {k: v for k, v in changed["listing"].items() if k != "card"}
        for key, width in kept.items():
            if isinstance(changed.get(key), list):
                changed[key] = changed[key][:width]
        if changed == value:
            continue
        if changed:
            db.execute(
                "update bot_state set data = ? where kind = 'user' and id = ?",
                [json.dumps(changed, ensure_ascii=False), ident],
            )
        else:
            db.execute("delete from bot_state where kind = 'user' and id = ?", [ident])


@migrations()
def m410_report_redo_dates(db: sqlite_utils.Database) -> None:
    """A report the supervisor returns is due again by the day the supervisor gives with the
    return (redo_by), not by the request's first date, which may be past or not what was said."""
    db.execute("alter table report_submissions add column redo_by text")


@migrations()
def m440_ledger_moves(db: sqlite_utils.Database) -> None:
    """The public ledger goes by attention (late, due soon, open, finished: storage/ledger_pages.py),
    and a problem changes group when it is closed, reopened, extended or published. Each such
    change, and each new problem, leaves a row here with the values the ledger's order read
    before it, so that the next page of a ledger opened earlier orders every problem as it stood
    when the ledger was opened: none shown twice, none skipped. Only the latest rows are kept
    (10,000: a trigger prunes them); a page older than that starts the ledger again."""
    db.executescript(
        """
        create table if not exists problem_moves (
            seq integer primary key autoincrement,
            problem_id integer not null,
            existed integer not null,
            finished integer,
            deadline text,
            public integer
        );
        create index if not exists problem_moves_problem on problem_moves (problem_id, seq);
        create index if not exists problems_ledger_attention
            on problems (public, status in ('closed', 'explained'), deadline, id);
        create trigger if not exists problem_moves_insert after insert on problems begin
            insert into problem_moves (problem_id, existed) values (new.id, 0);
            delete from problem_moves where seq <= last_insert_rowid() - 10000;
        end;
        create trigger if not exists problem_moves_update after update of status, deadline, public
        on problems
        when (old.status in ('closed', 'explained')) is not (new.status in ('closed', 'explained'))
            or old.deadline is not new.deadline or old.public is not new.public
        begin
            insert into problem_moves (problem_id, existed, finished, deadline, public)
            values (old.id, 1, old.status in ('closed', 'explained'), old.deadline, old.public);
            delete from problem_moves where seq <= last_insert_rowid() - 10000;
        end;
        """
    )


@migrations()
def m460_ledger_by_light(db: sqlite_utils.Database) -> None:
    """The public ledger goes by the light each card shows (storage/ledger_pages.py): a problem
    amber because nothing moved for weeks, or red because nobody claimed it, leads whatever its
    deadline. That order reads the status and the day a problem last moved too, so a move row
    keeps them as they were before the change, and a report (a new last_progress_at day) or any
    change of status leaves one. The problems amber or red for want of movement are read, one
    status at a time, along an index by the day they last moved. Both indexes carry the columns
    the light reads, so that a page skips the rows of other lights in the index alone."""
    db.executescript(
        """
        alter table problem_moves add column status text;
        alter table problem_moves add column moved text;
        drop index if exists problems_ledger_attention;
        create index problems_ledger_attention on problems (
            public, status in ('closed', 'explained'), deadline, id, status, last_progress_at, created_at
        );
        create index if not exists problems_ledger_attention_by_move on problems (
            public, status, substr(coalesce(last_progress_at, created_at), 1, 10), id,
            deadline, last_progress_at, created_at
        );
        drop trigger if exists problem_moves_update;
        create trigger problem_moves_update
        after update of status, deadline, public, last_progress_at, created_at on problems
        when old.status is not new.status or old.deadline is not new.deadline
            or old.public is not new.public
            or substr(coalesce(old.last_progress_at, old.created_at), 1, 10)
                is not substr(coalesce(new.last_progress_at, new.created_at), 1, 10)
        begin
            insert into problem_moves (problem_id, existed, finished, deadline, public, status, moved)
            values (old.id, 1, old.status in ('closed', 'explained'), old.deadline, old.public,
                    old.status, substr(coalesce(old.last_progress_at, old.created_at), 1, 10));
            delete from problem_moves where seq <= last_insert_rowid() - 10000;
        end;
        """
    )
