"""Every inline button the bot sends, declared once: its name, the fields its callback data
carries, how that data is built and how it is read back.

Callback data comes back from the person's phone, so it is input like any typed text: a
modified client can send anything. Each button therefore reads its data with one validating
parser (exact prefix, exact number of fields, each field checked: ids are ASCII digits within
MAX_ID, choices are from their list), and a handler's pattern is the button itself, so data
that no button would carry never reaches a handler: the catch-all answers "this button is out
of date". The 64-byte limit Telegram puts on callback data is checked when a button is
declared, from the widest value of each field, not when it is first pressed.

Used by handlers/ (to build, match and read) and jobs/ (to build); no Telegram import here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from storage import digests, lookbacks, people, problems
from texts import LANGUAGE_NAMES

CALLBACK_LIMIT = 64  # bytes: Telegram's limit on callback data
# Ids in callback data: far inside SQLite's integer range (2**63 - 1), far beyond any table.
MAX_ID = 10**12 - 1
# An index into a short list on a screen (a category, a subject on a sheet, a grade).
MAX_INDEX = 9999
MAX_PAGE = 99_999
OPINION_ID = "[0-9A-Z]{1,16}"  # storage.opinions public ids (8 of an unambiguous alphabet)


class StaleButton(ValueError):
    """Callback data that no button the bot sends would carry: stale or forged."""


@dataclass(frozen=True)
class Field:
    name: str
    pattern: str  # one field's text, never containing ':'
    widest: int  # the most bytes the field can take
    read: Callable[[str], object]  # the value; ValueError when out of range
    example: str | None = None  # valid text for tests, where "1", "0" or "A" would not do


def number(name: str, high: int = MAX_ID, low: int = 0) -> Field:
    def read(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(name)
        return value

    digits = len(str(high))
    return Field(name, f"[0-9]{{1,{digits}}}", digits, read)


def choice(name: str, options: Iterable[str]) -> Field:
    options = tuple(options)
    return Field(name, "|".join(re.escape(o) for o in options), max(len(o.encode()) for o in options), str)


def code(name: str, pattern: str, widest: int, example: str | None = None) -> Field:
    return Field(name, pattern, widest, str, example)


@dataclass(frozen=True, eq=False)
class Button:
    name: str
    prefix: str
    fields: tuple[Field, ...] = ()

    def __post_init__(self) -> None:
        body = "".join(f":({f.pattern})" for f in self.fields)
        object.__setattr__(self, "_regex", re.compile(re.escape(self.prefix) + body))

    @property
    def widest(self) -> int:
        return len(self.prefix.encode()) + sum(1 + f.widest for f in self.fields)

    @property
    def buttons(self) -> tuple[Button, ...]:
        return (self,)

    def data(self, *values: object) -> str:
        """The callback data for these values; a value the button could not read back is a
        bug in the caller, so it raises."""
        text = ":".join([self.prefix, *(str(v) for v in values)])
        if len(values) != len(self.fields) or self.read(text) is None:
            raise ValueError(f"{self.name}: {values!r} is not valid data for this button")
        return text

    def read(self, data: object) -> tuple | None:
        """The field values carried by `data`, or None when this button would not carry it."""
        if not isinstance(data, str) or len(data.encode()) > CALLBACK_LIMIT:
            return None
        found = self._regex.fullmatch(data)  # type: ignore[attr-defined]
        if found is None:
            return None
        try:
            return tuple(f.read(text) for f, text in zip(self.fields, found.groups(), strict=True))
        except ValueError:
            return None

    def parse(self, data: object) -> tuple:
        values = self.read(data)
        if values is None:
            raise StaleButton(self.name)
        return values

    def __call__(self, data: object) -> bool:
        """The CallbackQueryHandler pattern: does this button carry `data`?"""
        return self.read(data) is not None

    def sample(self) -> str:
        """Valid data with the lowest value of every field, for tests."""
        values = []
        for f in self.fields:
            options = f.pattern.split("|")
            values.append(options[0].replace("\\", "") if "[" not in f.pattern else _lowest(f))
        return self.data(*values)


def _lowest(f: Field) -> str:
    for candidate in ("1", "0", "A", *([f.example] if f.example else [])):
        try:
            if re.fullmatch(f.pattern, candidate):
                f.read(candidate)
                return candidate
        except ValueError:
            continue
    raise AssertionError(f.name)


@dataclass(frozen=True, eq=False)
class AnyOf:
    """One handler for several buttons: matches what any of them carries."""

    buttons: tuple[Button, ...]

    def __call__(self, data: object) -> bool:
        return any(b(data) for b in self.buttons)

    def parse(self, data: object) -> tuple[Button, tuple]:
        for b in self.buttons:
            values = b.read(data)
            if values is not None:
                return b, values
        raise StaleButton(str(data)[:CALLBACK_LIMIT])


REGISTRY: dict[str, Button] = {}


def declare(name: str, prefix: str, *fields: Field) -> Button:
    button = Button(name, prefix, fields)
    if name in REGISTRY or any(b.prefix == prefix for b in REGISTRY.values()):
        raise ValueError(f"button {name} ({prefix}) declared twice")
    if button.widest > CALLBACK_LIMIT:
        raise ValueError(f"button {name} can carry {button.widest} bytes, over {CALLBACK_LIMIT}")
    REGISTRY[name] = button
    return button


def family(prefix: str) -> AnyOf:
    """Every button whose data starts with `prefix:` (a conversation's own buttons)."""
    return AnyOf(tuple(b for b in REGISTRY.values() if b.prefix.startswith(prefix + ":")))


def parse(data: object) -> tuple[Button, tuple]:
    return AnyOf(tuple(REGISTRY.values())).parse(data)


# what a Chinese keyboard types for a number: ０-９ and ＃ (not NFKC, which would read a
# superscript ² or a circled ② as a number nobody meant)
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９＃\u3000", "0123456789# ")


def read_id(text: str, high: int = MAX_ID) -> int | None:
    """A typed id ("12", "#12", and "＃１２" as a Chinese keyboard types it): digits within
    range, else None."""
    text = text.translate(_FULL_WIDTH_DIGITS).strip().lstrip("#")
    if not text.isascii() or not text.isdigit() or len(text) > len(str(high)):
        return None
    value = int(text)
    return value if value <= high else None


def _id(name: str) -> Field:
    return number(name)


# the token of a question before an irreversible act (handlers/confirmations.py)
CONFIRMATION = code("token", "[0-9a-f]{6}", 6, example="000000")
HELD_ANSWER = choice("answer", ("ok", "no"))  # a held one-liner's 确认 or 取消


# ---- the opinion box --------------------------------------------------------------------------
# Each step's buttons end in the draft's own token (storage.opinions.Draft.token), appended by the
# flow when it shows the step: a button of another draft, or of a finished one, is told apart.
DRAFT = code("draft", "[0-9a-f]{6}", 6, example="000000")
OPINION_MODE = declare("opinion_mode", "op:mode", choice("mode", ("anon", "named")), DRAFT)
OPINION_CATEGORY = declare("opinion_category", "op:cat", number("index", MAX_INDEX), DRAFT)
OPINION_DEPARTMENT = declare("opinion_department", "op:dept", _id("department"), DRAFT)  # 0: none
OPINION_DEPARTMENT_PAGE = declare("opinion_department_page", "op:dpg", number("page", MAX_PAGE, low=1), DRAFT)
OPINION_PHOTOS_DONE = declare("opinion_photos_done", "op:photos_done", DRAFT)
OPINION_SUBMIT = declare("opinion_submit", "op:submit", DRAFT)
OPINION_EDIT = declare("opinion_edit", "op:edit", DRAFT)
OPINION_CANCEL = declare("opinion_cancel", "op:cancel", DRAFT)


def draft_stem(button: Button, *values: object) -> str:
    """A draft's button without its token, which the flow appends when it shows the step."""
    text = ":".join([button.prefix, *(str(v) for v in values)])
    if button.read(f"{text}:000000") is None:
        raise ValueError(f"{button.name}: {values!r} is not valid data for this button")
    return text


# ---- a receipt's card -------------------------------------------------------------------------
RECEIPT_WRITE = declare("receipt_write", "rc:write", code("opinion", OPINION_ID, 16))
RECEIPT_NOTIFY = declare("receipt_notify", "rc:notify", code("opinion", OPINION_ID, 16))
RECEIPT_SUBSCRIBE = declare("receipt_subscribe", "rc:sub", code("opinion", OPINION_ID, 16))
RECEIPT_DECLINE = declare("receipt_decline", "rc:nosub")
RECEIPT_SAVED = declare("receipt_saved", "rc:saved")  # 我已保存: the receipt message is deleted
RECEIPT_SEEN = declare("receipt_seen", "rc:seen")  # 看完了，删除: the receipt card is deleted
RECEIPT_MUTE = declare("receipt_mute", "rc:mute", code("opinion", OPINION_ID, 16))

# ---- the public box (the lobby poster) --------------------------------------------------------
PUBLIC_BOX = declare("public_box", "pb", choice("action", ("pause", "resume")))
# the public ledger for guests: the office asks, confirms or drops publishing it, or withdraws it
PUBLIC_LEDGER = declare("public_ledger", "pl", choice("action", ("ask", "yes", "no", "off")))

# ---- questionnaires (问卷调查) --------------------------------------------------------------------
SURVEY_SEND = declare("survey_send", "svn", choice("answer", ("ok", "no")))  # after its preview
SURVEY_START = declare("survey_start", "sv:go", _id("survey"))
SURVEY_PICK = declare(
    "survey_pick", "sv:p", _id("survey"), number("question", MAX_INDEX), number("choice", MAX_INDEX)
)
SURVEY_NEXT = declare("survey_next", "sv:n", _id("survey"), number("question", MAX_INDEX))  # done / skip
SURVEY_RESULTS = declare("survey_results", "svr", _id("survey"))
# a typed answer: kept as the answer only, or also sent to the opinion box as an anonymous opinion
SURVEY_OFFER = declare(
    "survey_offer", "sv:o", _id("survey"), number("question", MAX_INDEX), choice("to", ("keep", "inbox"))
)

# ---- the office's inbox -----------------------------------------------------------------------
INBOX_REPLY = declare("inbox_reply", "ib:reply", code("opinion", OPINION_ID, 16))
INBOX_CLOSE = declare("inbox_close", "ib:close", code("opinion", OPINION_ID, 16))
INBOX_LEADER = declare("inbox_leader", "ib:lead", code("opinion", OPINION_ID, 16))
INBOX_DUPLICATE = declare("inbox_duplicate", "ib:dup", code("opinion", OPINION_ID, 16))
INBOX_PROBLEM = declare("inbox_problem", "ib:prob", code("opinion", OPINION_ID, 16))
# a page of the round the office opened with /inbox, and that round's token (handlers/opinions/inbox.py)
INBOX_PAGE = declare(
    "inbox_page",
    "ib:page",
    number("page", MAX_PAGE, low=1),
    code("round", "[0-9a-f]{6}", 6, example="000000"),
)
INBOX_PUBLISH = declare("inbox_publish", "ib:pub", code("opinion", OPINION_ID, 16))
INBOX_TO_LEADER = declare("inbox_to_leader", "ib:to", code("opinion", OPINION_ID, 16), _id("leader"))
# a page of the leaders an opinion may be sent to (the opinion first, as every inbox button)
INBOX_LEADERS_PAGE = declare(
    "inbox_leaders_page", "ib:lp", code("opinion", OPINION_ID, 16), number("page", MAX_PAGE, low=1)
)
# the publish preview: send to everyone, edit the public words first, or cancel
INBOX_PUBLISH_CONFIRM = declare(
    "inbox_publish_confirm", "ib:pubok", code("opinion", OPINION_ID, 16), CONFIRMATION
)
INBOX_PUBLISH_EDIT = declare("inbox_publish_edit", "ib:pubedit", code("opinion", OPINION_ID, 16))
INBOX_PUBLISH_CANCEL = declare(
    "inbox_publish_cancel", "ib:pubno", code("opinion", OPINION_ID, 16), CONFIRMATION
)
# 标为重复: one of the latest opinions picked as the original
INBOX_DUPLICATE_OF = declare(
    "inbox_duplicate_of", "ib:dupof", code("opinion", OPINION_ID, 16), code("original", OPINION_ID, 16)
)
# an opinion the office forwarded to a leader: reply through the office, list and claim, hand back
FORWARDED_REPLY = declare("forwarded_reply", "lf:reply", code("opinion", OPINION_ID, 16))
FORWARDED_CLAIM = declare("forwarded_claim", "lf:claim", code("opinion", OPINION_ID, 16))
FORWARDED_BACK = declare("forwarded_back", "lf:back", code("opinion", OPINION_ID, 16))
INBOX_ACTIONS = {
    "reply": INBOX_REPLY,
    "close": INBOX_CLOSE,
    "lead": INBOX_LEADER,
    "dup": INBOX_DUPLICATE,
    "prob": INBOX_PROBLEM,
}

# ---- hotspots: groups of similar opinions (ids like an opinion's) ----------------------------
HOTSPOT_OPEN = declare("hotspot_open", "hs:o", code("group", OPINION_ID, 16))
HOTSPOT_CHOOSE_MERGE = declare("hotspot_choose_merge", "hs:m", code("group", OPINION_ID, 16))
HOTSPOT_MERGE = declare("hotspot_merge", "hs:mg", code("group", OPINION_ID, 16), code("into", OPINION_ID, 16))
HOTSPOT_CHOOSE_MOVE = declare("hotspot_choose_move", "hs:v", code("opinion", OPINION_ID, 16))
HOTSPOT_MOVE = declare("hotspot_move", "hs:mv", code("opinion", OPINION_ID, 16), code("into", OPINION_ID, 16))
HOTSPOT_SPLIT = declare("hotspot_split", "hs:s", code("opinion", OPINION_ID, 16))
HOTSPOT_PROBLEM = declare("hotspot_problem", "hs:p", code("group", OPINION_ID, 16))
# 确认 / 取消 of 列为一个问题 carry the question's token (handlers/confirmations.py)
HOTSPOT_PROBLEM_CONFIRM = declare(
    "hotspot_problem_confirm", "hs:pc", code("group", OPINION_ID, 16), CONFIRMATION
)
HOTSPOT_PROBLEM_CANCEL = declare(
    "hotspot_problem_cancel", "hs:pn", code("group", OPINION_ID, 16), CONFIRMATION
)
# pages: the office's cards, a group's members, the groups offered to merge into or move to
HOTSPOT_PAGE = declare("hotspot_page", "hs:pg", number("page", MAX_PAGE, low=1))
HOTSPOT_MEMBERS_PAGE = declare(
    "hotspot_members_page", "hs:op", code("group", OPINION_ID, 16), number("page", MAX_PAGE, low=1)
)
HOTSPOT_MERGE_PAGE = declare(
    "hotspot_merge_page", "hs:mp", code("group", OPINION_ID, 16), number("page", MAX_PAGE, low=1)
)
HOTSPOT_MOVE_PAGE = declare(
    "hotspot_move_page", "hs:vp", code("opinion", OPINION_ID, 16), number("page", MAX_PAGE, low=1)
)

# ---- problems: list, assign, claim, dispatch, explain, progress, closure ---------------------
PROBLEM_KIND = declare("problem_kind", "pnk", choice("kind", problems.KINDS))
PROBLEM_HORIZON = declare("problem_horizon", "pnh", choice("horizon", problems.HORIZONS))
# 列为问题 from an opinion: a short title, the kind, the horizon, a department, then confirm
LISTING_KEEP_TITLE = declare("listing_keep_title", "plt:keep")
LISTING_KIND = declare("listing_kind", "plk", choice("kind", problems.KINDS))
LISTING_HORIZON = declare("listing_horizon", "plh", choice("horizon", problems.HORIZONS))
LISTING_DEPARTMENT = declare("listing_department", "pld", _id("department"))  # 0: none
LISTING_CONFIRM = declare("listing_confirm", "plok")
LISTING_CANCEL = declare("listing_cancel", "plno")
ASSIGN = declare("assign", "pa", _id("problem"), _id("leader"))
ASSIGN_PICK = declare("assign_pick", "pas", _id("problem"))  # /assign: a waiting problem picked
# a page of the leaders offered for a problem (handlers/pages.py pickers: the page, redrawn in place)
ASSIGN_LEADERS_PAGE = declare("assign_leaders_page", "pg:al", _id("problem"), number("page", MAX_PAGE, low=1))
CLAIM = declare("claim", "claim", _id("problem"))
DISPATCH = declare("dispatch", "pd", _id("problem"))
EXPLAIN = declare("explain", "px", _id("problem"))
DISPATCH_DEPARTMENT = declare("dispatch_department", "pdd", _id("department"))
DISPATCH_CONFIRM = declare("dispatch_confirm", "pdc", choice("answer", ("yes", "no")))
PROGRESS_REPORT = declare("progress_report", "pr", _id("problem"))
# 📣 催办 on an overdue problem's card (the office), its 确认 and 取消 (handlers/problems/chase.py)
PROBLEM_CHASE = declare("problem_chase", "cz", _id("problem"))
PROBLEM_CHASE_GO = declare("problem_chase_go", "cz:go", _id("problem"), CONFIRMATION)
PROBLEM_CHASE_NO = declare("problem_chase_no", "cz:no", _id("problem"), CONFIRMATION)
PROGRESS_PHOTOS_DONE = declare("progress_photos_done", "prn")
PROGRESS_PERCENT = declare("progress_percent", "pp", number("percent", 100))
CLOSURE_REQUEST = declare("closure_request", "pq", _id("problem"))
CLOSURE_CLOSE = declare("closure_close", "pc:close", _id("problem"))
CLOSURE_RETURN = declare("closure_return", "pc:ret", _id("problem"))
DISPATCH_KEEP_MEASURES = declare("dispatch_keep_measures", "pdk")  # 沿用原措施 on a reopened problem
EXPLAIN_CONFIRM = declare("explain_confirm", "pxc", choice("answer", ("yes", "no")))
CLOSURE_VIEW = declare("closure_view", "pcv", _id("problem"))  # the evidence before 销号
CLOSURE_CONFIRM = declare("closure_confirm", "pcy", _id("problem"), CONFIRMATION)
CLOSURE_KEEP = declare("closure_keep", "pcn", _id("problem"), CONFIRMATION)
CLOSURE_REQUEST_CONFIRM = declare("closure_request_confirm", "pqy", _id("problem"))
CLOSURE_REQUEST_CANCEL = declare("closure_request_cancel", "pqn")
EXTENSION_ASK = declare("extension_ask", "pe", _id("problem"))  # 申请延期
EXTENSION_SEND = declare("extension_send", "pec", choice("answer", ("yes", "no")))
EXTENSION_DECIDE = declare("extension_decide", "ped", choice("decision", ("ok", "no")), _id("extension"))
LEDGER_DETAIL = declare("ledger_detail", "lg", _id("problem"))
LEDGER_FIRST = declare("ledger_first", "lgf")  # the ledger's first page (under a guest's receipt)
# the page, and where the last one ended (problems.After.token: 2026-12-31.123 or -.123)
LEDGER_PAGE = declare(
    "ledger_page",
    "lgp",
    number("page", MAX_PAGE),
    code("after", r"(?:-|\d{4}-\d{2}-\d{2})\.[0-9]{1,12}", 23, example="-.1"),
)

# the public ledger's next page, in the order of its lights (storage.ledger_pages.Cursor.token:
# the ledger as opened and where its last page ended); lgp and lga below are older buttons (by
# deadline; by deadline within late, due soon, open, finished), read as page 1
LEDGER_LIGHT_PAGE = declare(
    "ledger_light_page",
    "lgl",
    number("page", MAX_PAGE),
    code(
        "after", r"[0-9]{1,12}\.[0-9]{8}\.[0-6]\.(?:-|[0-9]{8})\.[0-9]{1,12}", 45, example="0.20261201.0.-.1"
    ),
)
LEDGER_ATTENTION_PAGE = declare(
    "ledger_attention_page",
    "lga",
    number("page", MAX_PAGE),
    code(
        "after", r"[0-9]{1,12}\.[0-9]{8}\.[0-4]\.(?:-|[0-9]{8})\.[0-9]{1,12}", 45, example="0.20261201.0.-.1"
    ),
)


def _list_page(name: str, prefix: str) -> Button:
    """The next page of a list of problems to act on (the page, where the last one ended)."""
    return declare(name, prefix, number("page", MAX_PAGE, low=1), LEDGER_PAGE.fields[1])


CLAIM_PAGE = _list_page("claim_page", "pg:c")  # /claim, 待接单
MINE_PAGE = _list_page("mine_page", "pg:m")  # /mine, 我的问题
TASKS_PAGE = _list_page("tasks_page", "pg:t")  # /tasks, 本科室任务
CLOSURES_PAGE = _list_page("closures_page", "pg:x")  # /closures, 待销号
ASSIGN_PAGE = _list_page("assign_page", "pg:a")  # /assign's picker, 待指定领导
LOOKBACK_PICK_PAGE = _list_page("lookback_pick_page", "pg:l")  # /lookback's picker, 已销号


def _item_page(name: str, prefix: str) -> Button:
    """The next page of a short list (handlers/pages.py): the page, the last item's id shown."""
    return declare(name, prefix, number("page", MAX_PAGE, low=1), _id("after"))


ORDERS_PAGE = _item_page("orders_page", "pg:o")  # /orders, 督办单
SHEETS_PAGE = _item_page("sheets_page", "pg:s")  # /sheets, 测评表 (the office's)
VIEWER_SHEETS_PAGE = _item_page("viewer_sheets_page", "pg:v")  # /sheets, a named leader's
SURVEYS_PAGE = _item_page("surveys_page", "pg:q")  # /surveys, 问卷
UPWARD_PAGE = _item_page("upward_page", "pg:u")  # /reports, 报送要求
SELFCHECKS_PAGE = _item_page("selfchecks_page", "pg:k")  # /selfchecks, 自查报告
DISPATCH_DEPARTMENT_PAGE = _item_page("dispatch_department_page", "pg:d")  # 下单: the departments
FORM_TYPE_DEPARTMENTS = declare("form_type_departments", "fm:typed")  # a form's "the rest: type them"

# ---- look-backs -------------------------------------------------------------------------------
LOOKBACK_VOTE = declare("lookback_vote", "lbv", _id("lookback"), choice("choice", lookbacks.CHOICES))
LOOKBACK_RECEIPT_VOTE = declare(
    "lookback_receipt_vote",
    "lbr",
    _id("lookback"),
    code("opinion", OPINION_ID, 16),
    choice("choice", lookbacks.CHOICES),
)
LOOKBACK_PICK = declare("lookback_pick", "lbx", _id("problem"))  # /lookback: a closed problem picked
LOOKBACK_ROUND_GO = declare("lookback_round_go", "lbx:go", _id("problem"), CONFIRMATION)
LOOKBACK_ROUND_NO = declare("lookback_round_no", "lbx:no", _id("problem"), CONFIRMATION)
LOOKBACK_HELD = declare("lookback_held", "lbx:h", HELD_ANSWER, CONFIRMATION)  # /lookback N, or picked
LOOKBACK_WIDEN = declare("lookback_widen", "lbw", _id("lookback"))  # a look-back too small: ask everyone
# Widening to a department, a role or everyone: picked from a list, previewed with how many
# people will be asked, then confirmed. The value is a department id, a role, or "all".
WIDEN_KINDS = ("department", "role", "everyone")
LOOKBACK_WIDEN_MENU = declare("lookback_widen_menu", "lbw:m", _id("lookback"))
# the widening menu's next page of departments: the look-back, the page, the last department shown
LOOKBACK_WIDEN_PAGE = declare(
    "lookback_widen_page", "lbw:n", _id("lookback"), number("page", MAX_PAGE, low=1), _id("after")
)
LOOKBACK_WIDEN_PICK = declare(
    "lookback_widen_pick",
    "lbw:p",
    _id("lookback"),
    choice("kind", WIDEN_KINDS),
    code("value", "[0-9a-z]{1,12}", 12),
)
LOOKBACK_WIDEN_GO = declare(
    "lookback_widen_go",
    "lbw:go",
    _id("lookback"),
    choice("kind", WIDEN_KINDS),
    code("value", "[0-9a-z]{1,12}", 12),
    CONFIRMATION,
)
LOOKBACK_WIDEN_NO = declare("lookback_widen_no", "lbw:no", _id("lookback"), CONFIRMATION)
LOOKBACK_CONFIRM = declare("lookback_confirm", "lbc", _id("lookback"))

# ---- roster and invitations -------------------------------------------------------------------
ROSTER_APPLY = declare("roster_apply", "roster:apply", CONFIRMATION)  # the preview's token
ROSTER_CANCEL = declare("roster_cancel", "roster:cancel")
ROSTER_RISKY = declare(
    "roster_risky", "roster:risky", CONFIRMATION
)  # the second confirmation of a risky import
# the office's answer to the import's question number `question` (is it the same department / person?);
# the token is the preview's: a question message of an earlier file answers nothing
ROSTER_ANSWER = declare(
    "roster_answer", "roster:q", number("question"), choice("answer", ("same", "apart")), CONFIRMATION
)
INVITE_GO = declare(
    "invite_go",
    "invite:go",
    code("department", f"all|[0-9]{{1,{len(str(MAX_ID))}}}", len(str(MAX_ID))),
    CONFIRMATION,
)
INVITE_CANCEL = declare("invite_cancel", "invite:cancel", CONFIRMATION)
# /departments: a department's card; rename, merge into another, remove (each asked with a token)
DEPARTMENT_OPEN = declare("department_open", "dp:o", _id("department"))
DEPARTMENT_RENAME = declare("department_rename", "dp:r", _id("department"))
DEPARTMENT_RENAME_GO = declare("department_rename_go", "dp:rg", _id("department"), CONFIRMATION)
DEPARTMENT_RENAME_NO = declare("department_rename_no", "dp:rn", _id("department"), CONFIRMATION)
DEPARTMENT_MERGE_PICK = declare("department_merge_pick", "dp:m", _id("department"))
DEPARTMENT_MERGE_ASK = declare("department_merge_ask", "dp:ma", _id("department"), _id("into"))
DEPARTMENT_MERGE_GO = declare("department_merge_go", "dp:mg", _id("department"), _id("into"), CONFIRMATION)
DEPARTMENT_MERGE_NO = declare("department_merge_no", "dp:mn", _id("department"), _id("into"), CONFIRMATION)
DEPARTMENT_REMOVE_ASK = declare("department_remove_ask", "dp:d", _id("department"))
DEPARTMENT_REMOVE_GO = declare("department_remove_go", "dp:dg", _id("department"), CONFIRMATION)
DEPARTMENT_REMOVE_NO = declare("department_remove_no", "dp:dn", _id("department"), CONFIRMATION)

# ---- self-check reports -----------------------------------------------------------------------
SELFCHECK_VIEW = declare("selfcheck_view", "sc:v", _id("report"))
SELFCHECK_WRITE = declare("selfcheck_write", "sc:w", _id("report"))
SELFCHECK_SUBMIT = declare("selfcheck_submit", "sc:submit")
SELFCHECK_CANCEL = declare("selfcheck_cancel", "sc:cancel")
# a returned report redone: keep what the last version said in this part
SELFCHECK_KEEP = declare("selfcheck_keep", "sc:keep", choice("part", ("method", "findings", "measures")))
SELFCHECK_APPROVE = declare("selfcheck_approve", "sc:a", _id("report"))
SELFCHECK_RETURN = declare("selfcheck_return", "sc:r", _id("report"))
SELFCHECK_LIST = declare("selfcheck_list", "sc:l", _id("report"))

# ---- evaluations (rating sheets) --------------------------------------------------------------
SHEET_SEND = declare("sheet_send", "evn", choice("answer", ("ok", "no")))  # a new sheet, after its preview
EVALUATION_START = declare("evaluation_start", "ev:go", _id("sheet"))
EVALUATION_GRADE = declare(
    "evaluation_grade",
    "ev:g",
    _id("sheet"),
    number("subject", MAX_INDEX),
    number("item", MAX_INDEX),
    number("grade", MAX_INDEX),
)
EVALUATION_SKIP = declare("evaluation_skip", "ev:s", _id("sheet"), number("subject", MAX_INDEX))
EVALUATION_SUBMIT = declare("evaluation_submit", "ev:ok", _id("sheet"))
EVALUATION_REDO = declare("evaluation_redo", "ev:redo", _id("sheet"))
EVALUATION_REVIEW_PAGE = declare(  # ◀ 上一页 / 下一页 ▶ of the review before 提交
    "evaluation_review_page", "ev:rp", _id("sheet"), number("page", MAX_PAGE, low=1)
)
EVALUATION_RESULTS = declare("evaluation_results", "er:r", _id("sheet"))
EVALUATION_FLAG = declare("evaluation_flag", "er:f", _id("sheet"), number("subject", MAX_INDEX))
EVALUATION_FLAG_PAGE = declare("evaluation_flag_page", "er:fp", _id("sheet"), number("page", MAX_PAGE, low=1))
EVALUATION_PUBLISH = declare("evaluation_publish", "er:p", _id("sheet"))
EVALUATION_PUBLISH_CONFIRM = declare("evaluation_publish_confirm", "er:pc", _id("sheet"), CONFIRMATION)
EVALUATION_PUBLISH_CANCEL = declare("evaluation_publish_cancel", "er:pn", _id("sheet"), CONFIRMATION)
# The leaders who see a sheet's results (sheet 0: every sheet), named by the office, one tap each.
EVALUATION_VIEWERS = declare("evaluation_viewers", "ew:s", _id("sheet"))
EVALUATION_VIEWER_TOGGLE = declare("evaluation_viewer_toggle", "ew:t", _id("sheet"), _id("person"))
EVALUATION_VIEWERS_PAGE = declare(
    "evaluation_viewers_page", "ew:p", _id("sheet"), number("page", MAX_PAGE, low=1)
)
EVALUATION_VIEW = declare("evaluation_view", "ex:r", _id("sheet"))  # a named leader opens the results
EVALUATION_VIEW_PAGE = declare("evaluation_view_page", "ex:p", _id("sheet"), number("page", MAX_PAGE, low=1))

# ---- the office's forms: /newsheet, /meeting, /selfcheck, /phase without arguments ------------
# Buttons that carry their words carry one of these (phrasings reads them as if typed); the
# others carry an index into a list on the screen, which the form checks against that list.
SHEET_CLOSING_DAYS = ("下周一", "下周五", "本月底")
SELFCHECK_DUE_PHRASES = ("下周五", "本月底", "两周")
PHASE_FIRST_DAYS = ("今天", "明天", "下周一")
PHASE_LAST_DAYS = ("本月底", "下月底", "年底")
FORM_ROLES = (people.LEADER, people.HEAD, people.OFFICE)  # the roles a form offers as a group
SHEET_FORM_TITLE = declare("sheet_form_title", "sf:t")  # the suggested title
# subjects: a group (班子成员…), a department, tapped on and off, then done
SHEET_FORM_SUBJECT_GROUP = declare("sheet_form_subject_group", "sf:s:g", number("index", MAX_INDEX))
SHEET_FORM_SUBJECT_DEPARTMENT = declare("sheet_form_subject_department", "sf:s:d", number("index", MAX_INDEX))
SHEET_FORM_SUBJECTS_DONE = declare("sheet_form_subjects_done", "sf:s:done")
SHEET_FORM_SUBJECT = AnyOf(
    (SHEET_FORM_SUBJECT_GROUP, SHEET_FORM_SUBJECT_DEPARTMENT, SHEET_FORM_SUBJECTS_DONE)
)
SHEET_FORM_CLOSES = declare("sheet_form_closes", "sf:c", choice("day", SHEET_CLOSING_DAYS))
# raters: everyone, a role, a department, then done
SHEET_FORM_EVERYONE = declare("sheet_form_everyone", "sf:r:all")
SHEET_FORM_RATER_ROLE = declare("sheet_form_rater_role", "sf:r", choice("role", FORM_ROLES))
SHEET_FORM_RATER_DEPARTMENT = declare("sheet_form_rater_department", "sf:r:d", number("index", MAX_INDEX))
SHEET_FORM_RATERS_DONE = declare("sheet_form_raters_done", "sf:r:done")
SHEET_FORM_RATER = AnyOf(
    (SHEET_FORM_EVERYONE, SHEET_FORM_RATER_ROLE, SHEET_FORM_RATER_DEPARTMENT, SHEET_FORM_RATERS_DONE)
)
SHEET_FORM_CONFIRM = declare("sheet_form_confirm", "sf:ok")
SHEET_FORM_CANCEL = declare("sheet_form_cancel", "sf:no")
MEETING_FORM_DAY = declare("meeting_form_day", "mf:day", number("index", MAX_INDEX))
MEETING_FORM_TIME = declare("meeting_form_time", "mf:time", number("index", MAX_INDEX))  # a quick time
MEETING_FORM_PLACE_SKIP = declare("meeting_form_place_skip", "mf:place", choice("place", ("-",)))
MEETING_FORM_EVERYONE = declare("meeting_form_everyone", "mf:a:all")
MEETING_FORM_ROLE = declare("meeting_form_role", "mf:a:r", choice("role", FORM_ROLES))
MEETING_FORM_DEPARTMENT = declare("meeting_form_department", "mf:a:d", number("index", MAX_INDEX))
MEETING_FORM_AUDIENCE_DONE = declare("meeting_form_audience_done", "mf:a:done")
MEETING_FORM_AUDIENCE = AnyOf(
    (MEETING_FORM_EVERYONE, MEETING_FORM_ROLE, MEETING_FORM_DEPARTMENT, MEETING_FORM_AUDIENCE_DONE)
)
MEETING_FORM_CONFIRM = declare("meeting_form_confirm", "mf:ok")
MEETING_FORM_CANCEL = declare("meeting_form_cancel", "mf:no")
SELFCHECK_FORM_SUBJECT = declare("selfcheck_form_subject", "scf:s", number("index", MAX_INDEX))
SELFCHECK_FORM_DUE = declare("selfcheck_form_due", "scf:d", choice("due", SELFCHECK_DUE_PHRASES))
SELFCHECK_FORM_REVIEWER = declare("selfcheck_form_reviewer", "scf:r", choice("reviewer", ("-",)))  # default
SELFCHECK_FORM_CONFIRM = declare("selfcheck_form_confirm", "scf:ok")
SELFCHECK_FORM_CANCEL = declare("selfcheck_form_cancel", "scf:no")
PHASE_FORM_NAME = declare("phase_form_name", "phf:n", number("index", MAX_INDEX))
PHASE_FORM_FIRST = declare("phase_form_first", "phf:f", choice("day", PHASE_FIRST_DAYS))
PHASE_FORM_LAST = declare("phase_form_last", "phf:l", choice("day", PHASE_LAST_DAYS))
PHASE_FORM_CONFIRM = declare("phase_form_confirm", "phf:ok")
PHASE_FORM_CANCEL = declare("phase_form_cancel", "phf:no")

# ---- settings ---------------------------------------------------------------------------------
DIGEST_FULL = declare("digest_full", "dgf", number("since", 10**11 - 1))  # the digest's start, a timestamp
MENU_MORE = declare("menu_more", "mm", code("command", "[a-z_]{1,20}", 20, example="help"))
DIGEST_FREQUENCY = declare("digest_frequency", "dg", choice("frequency", digests.FREQUENCIES))
DIGEST_SETTINGS = declare("digest_settings", "dgs")  # ⚙️ under the digest: its schedule, on asking
LANGUAGE = declare("language", "lang", choice("code", LANGUAGE_NAMES))

# ---- 督导: the supervising body ---------------------------------------------------------------
SUPERVISION_WORKBOOK = declare("supervision_workbook", "sup:xlsx")
SUPERVISION_LEDGER = declare("supervision_ledger", "sup:ledger", number("institution"))
# the step the button takes the order to: a double tap, or a button the calendar overtook, climbs no further
ORDER_ESCALATE = declare("order_escalate", "sup:up", number("order"), number("step", 4, 1))
ORDER_CONFIRM = declare("order_confirm", "sup:ok", number("order"))
# ✅ 确认 / 取消 under a typed one-liner's preview (handlers/held_commands.py)
ORDER_HELD = declare("order_held", "sup:oi", HELD_ANSWER, CONFIRMATION)  # /order
REPORT_ASK_HELD = declare("report_ask_held", "sup:ak", HELD_ANSWER, CONFIRMATION)  # /askreport
APPRAISAL_HELD = declare("appraisal_held", "sup:ap", HELD_ANSWER, CONFIRMATION)  # /appraisal
# a 述职评议 team flagged into a 督办 order to its institution, previewed as /order is
APPRAISAL_FLAG_HELD = declare("appraisal_flag_held", "sup:af", HELD_ANSWER, CONFIRMATION)
FINDINGS_LIST = declare(
    "findings_list", "fd:ok", choice("answer", ("all", "new", "no"))
)  # /findings' preview
MEETING_HELD = declare("meeting_held", "cal:mt", HELD_ANSWER, CONFIRMATION)  # /meeting with its words
SELFCHECK_HELD = declare("selfcheck_held", "sc:ask", HELD_ANSWER, CONFIRMATION)  # /selfcheck with its words
PHASE_HELD = declare("phase_held", "cal:ph", HELD_ANSWER, CONFIRMATION)  # /phase with its words
MEETING_MOVE_HELD = declare("meeting_move_held", "cal:mv", HELD_ANSWER, CONFIRMATION)  # /meeting_move
MEETING_CANCEL_HELD = declare("meeting_cancel_held", "cal:mc", HELD_ANSWER, CONFIRMATION)  # /meeting_cancel
ORDER_SEND_BACK = declare("order_send_back", "sup:back", number("order"))
REPORT_SUBMIT = declare("report_submit", "sup:rs", number("request"))
REPORT_SEND = declare("report_send", "sup:rsok", number("request"), CONFIRMATION)
REPORT_SEND_CANCEL = declare("report_send_cancel", "sup:rsno", number("request"), CONFIRMATION)
REPORT_VIEW = declare("report_view", "sup:rv", number("request"), number("institution"))
REPORT_ACCEPT = declare("report_accept", "sup:ra", number("request"), number("institution"))
REPORT_RETURN = declare("report_return", "sup:rr", number("request"), number("institution"))
REPORT_UPLOAD = declare("report_upload", "sup:ru", number("request"))
SUPERVISION_REPORT = declare("supervision_report", "sup:docx")
