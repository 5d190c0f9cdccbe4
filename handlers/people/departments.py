"""/departments (and 🏷 科室 under 更多): the office corrects a department created by mistake.
The list marks names that look like another (公卫科 / 公共卫生科); a department's card says what
names it; ✏️ 改名 asks the new name (one another department has is offered as a merge instead),
🔀 并入其他科室 picks the department it becomes, 🗑 删除 is offered only when nothing names it.
Each shows what will change and to how many, and acts on 确认 (handlers/confirmations.py: 取消
beside it, an old 确认 does nothing). The rules are storage/departments.py's."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from callbacks import (
    DEPARTMENT_MERGE_ASK,
    DEPARTMENT_MERGE_GO,
    DEPARTMENT_MERGE_NO,
    DEPARTMENT_MERGE_PICK,
    DEPARTMENT_OPEN,
    DEPARTMENT_REMOVE_ASK,
    DEPARTMENT_REMOVE_GO,
    DEPARTMENT_REMOVE_NO,
    DEPARTMENT_RENAME,
    DEPARTMENT_RENAME_GO,
    DEPARTMENT_RENAME_NO,
)
from handlers import confirmations, conversations, menu
from handlers.access import database, language, person_of, quoted, refuse, reply, requires, send_lines
from storage import departments, people
from storage.departments import MAX_NAME, DepartmentError, Usage
from storage.people import OFFICE
from texts import say
from texts.fit import shorten

(NEW_NAME,) = conversations.states("departments")
LISTED = 60  # departments with a button on /departments, and targets offered for a merge
BUTTON_TEXT = 20


def _uses(lang: str, found: Usage) -> str:
    counted = found.nonzero()
    if not counted:
        return say(lang, "department.usage.nothing")
    return "\n".join(say(lang, f"department.usage.{field}", count=count) for field, count in counted.items())


def _look_alikes(listed: list[tuple[int, str]]) -> set[int]:
    return {
        one_id
        for one_id, one in listed
        for other_id, other in listed
        if one_id != other_id and departments.looks_alike(one, other)
    }


@requires(OFFICE)
async def show_departments(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    db, lang = database(context), language(update, context)
    typed = " ".join(context.args or []).strip()  # /departments 公卫科 opens that one
    if typed:
        found = people.department_named(db, typed)
        if found is None:
            await reply(update, context, "department.not_found", name=quoted(typed))
            return
        await _send_card(update, context, people.department_id(db, found))
        return
    listed = people.department_list(db)
    if not listed:
        await reply(update, context, "department.none")
        return
    alike = _look_alikes(listed)
    counts = departments.people_counts(db)
    lines = [say(lang, "department.list", count=len(listed))]
    lines += [
        say(lang, "department.line", mark="⚠️ " if i in alike else "", name=name, people=counts.get(i, 0))
        for i, name in listed
    ]
    if len(listed) > LISTED:
        lines.append(say(lang, "department.more", count=len(listed) - LISTED, shown=LISTED))
    buttons = [
        InlineKeyboardButton(shorten(name, BUTTON_TEXT), callback_data=DEPARTMENT_OPEN.data(i))
        for i, name in listed[:LISTED]
    ]
    markup = InlineKeyboardMarkup([buttons[n : n + 2] for n in range(0, len(buttons), 2)])
    await send_lines(context, update.effective_chat.id, lines, markup)


async def _send_card(update: Update, context: ContextTypes.DEFAULT_TYPE, department_id: int) -> None:
    db, lang = database(context), language(update, context)
    name = people.department_name(db, department_id)
    if name is None:
        await refuse(update, context, "department.error.gone")
        return
    found = departments.usage(db, department_id)
    row = [
        InlineKeyboardButton(
            say(lang, "department.btn.rename"), callback_data=DEPARTMENT_RENAME.data(department_id)
        ),
        InlineKeyboardButton(
            say(lang, "department.btn.merge"), callback_data=DEPARTMENT_MERGE_PICK.data(department_id)
        ),
    ]
    if found.empty:
        row.append(
            InlineKeyboardButton(
                say(lang, "department.btn.remove"), callback_data=DEPARTMENT_REMOVE_ASK.data(department_id)
            )
        )
    await reply(
        update,
        context,
        "department.card",
        name=name,
        uses=_uses(lang, found),
        reply_markup=InlineKeyboardMarkup([row]),
    )


@requires(OFFICE)
async def open_department(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    [department_id] = DEPARTMENT_OPEN.parse(update.callback_query.data)
    await _send_card(update, context, department_id)


# ---- rename ----------------------------------------------------------------------------------


@requires(OFFICE)
async def ask_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    [department_id] = DEPARTMENT_RENAME.parse(update.callback_query.data)
    name = people.department_name(database(context), department_id)
    if name is None:
        await refuse(update, context, "department.error.gone")
        return ConversationHandler.END
    context.user_data["department_renaming"] = department_id
    await reply(update, context, "department.ask_name", name=name, limit=MAX_NAME)
    return NEW_NAME


@requires(OFFICE)
async def receive_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    db, lang = database(context), language(update, context)
    department_id = context.user_data.get("department_renaming")
    old = people.department_name(db, department_id) if department_id is not None else None
    if old is None:
        await reply(update, context, "department.error.gone")
        return _done(context)
    try:
        new = departments.check_new_name(db, department_id, update.message.text)
    except DepartmentError as error:
        if error.reason != "taken":
            await reply(update, context, f"department.error.{error.reason}", limit=MAX_NAME)
            return NEW_NAME
        into = people.department_id(db, error.name)
        offer = InlineKeyboardButton(
            say(lang, "department.btn.merge_into", name=shorten(error.name, BUTTON_TEXT)),
            callback_data=DEPARTMENT_MERGE_ASK.data(department_id, into),
        )
        await reply(
            update,
            context,
            "department.error.taken",
            name=old,
            other=error.name,
            reply_markup=InlineKeyboardMarkup([[offer]]),
        )
        return _done(context)
    token = confirmations.ask(context, f"department-rename:{department_id}")
    context.user_data["department_rename"] = {"token": token, "id": department_id, "name": new}
    await reply(
        update,
        context,
        "department.rename_preview",
        old=old,
        new=new,
        uses=_uses(lang, departments.usage(db, department_id)),
        reply_markup=confirmations.buttons(
            lang, DEPARTMENT_RENAME_GO, DEPARTMENT_RENAME_NO, department_id, token=token
        ),
    )
    return _done(context)


def _done(context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("department_renaming", None)
    return ConversationHandler.END


@requires(OFFICE)
async def rename(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    department_id, token = DEPARTMENT_RENAME_GO.parse(update.callback_query.data)
    asked = context.user_data.get("department_rename") or {}
    if (
        not confirmations.take(context, f"department-rename:{department_id}", token)
        or asked.get("token") != token
    ):
        await confirmations.refuse_stale(update, context)
        return
    context.user_data.pop("department_rename", None)
    db = database(context)
    old = people.department_name(db, department_id)
    try:
        departments.rename(db, department_id, asked["name"], person_of(update, context).id)
    except DepartmentError as error:
        await refuse(
            update,
            context,
            f"department.error.{error.reason}",
            name=error.name,
            other=error.name,
            limit=MAX_NAME,
        )
        return
    await _edit(update, context, "department.renamed", old=old, new=asked["name"])


@requires(OFFICE)
async def keep_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    department_id, token = DEPARTMENT_RENAME_NO.parse(update.callback_query.data)
    context.user_data.pop("department_rename", None)
    await confirmations.cancel(
        update, context, f"department-rename:{department_id}", token, "department.not_renamed"
    )


# ---- merge -----------------------------------------------------------------------------------


def _targets(db, source_id: int, source: str) -> list[tuple[int, str]]:
    """Every other department, those that look like `source` first."""
    others = [(i, name) for i, name in people.department_list(db) if i != source_id]
    return sorted(others, key=lambda d: not departments.looks_alike(source, d[1]))


@requires(OFFICE)
async def pick_target(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    [source_id] = DEPARTMENT_MERGE_PICK.parse(update.callback_query.data)
    db = database(context)
    source = people.department_name(db, source_id)
    if source is None:
        await refuse(update, context, "department.error.gone")
        return
    targets = _targets(db, source_id, source)
    if not targets:
        await refuse(update, context, "department.error.alone")
        return
    buttons = [
        InlineKeyboardButton(
            shorten(name, BUTTON_TEXT), callback_data=DEPARTMENT_MERGE_ASK.data(source_id, i)
        )
        for i, name in targets[:LISTED]
    ]
    more = len(targets) - LISTED
    await reply(
        update,
        context,
        "department.merge_pick" if more <= 0 else "department.merge_pick_some",
        name=source,
        shown=LISTED,
        reply_markup=InlineKeyboardMarkup([buttons[n : n + 2] for n in range(0, len(buttons), 2)]),
    )


@requires(OFFICE)
async def ask_merge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    source_id, into_id = DEPARTMENT_MERGE_ASK.parse(update.callback_query.data)
    db, lang = database(context), language(update, context)
    source, into = people.department_name(db, source_id), people.department_name(db, into_id)
    if source is None or into is None or source_id == into_id:
        await refuse(update, context, "department.error.gone")
        return
    token = confirmations.ask(context, f"department-merge:{source_id}")
    await reply(
        update,
        context,
        "department.merge_preview",
        source=source,
        into=into,
        uses=_uses(lang, departments.usage(db, source_id)),
        reply_markup=confirmations.buttons(
            lang, DEPARTMENT_MERGE_GO, DEPARTMENT_MERGE_NO, source_id, into_id, token=token
        ),
    )


@requires(OFFICE)
async def merge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    source_id, into_id, token = DEPARTMENT_MERGE_GO.parse(update.callback_query.data)
    if not confirmations.take(context, f"department-merge:{source_id}", token):
        await confirmations.refuse_stale(update, context)
        return
    db = database(context)
    source, into = people.department_name(db, source_id), people.department_name(db, into_id)
    try:
        moved = departments.merge(db, source_id, into_id, person_of(update, context).id)
    except DepartmentError:
        await refuse(update, context, "department.error.gone")
        return
    await _edit(
        update,
        context,
        "department.merged",
        source=source,
        into=into,
        uses=_uses(language(update, context), moved),
    )


@requires(OFFICE)
async def keep_apart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    source_id, _, token = DEPARTMENT_MERGE_NO.parse(update.callback_query.data)
    await confirmations.cancel(
        update, context, f"department-merge:{source_id}", token, "department.not_merged"
    )


# ---- remove ----------------------------------------------------------------------------------


@requires(OFFICE)
async def ask_remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    [department_id] = DEPARTMENT_REMOVE_ASK.parse(update.callback_query.data)
    db, lang = database(context), language(update, context)
    name = people.department_name(db, department_id)
    if name is None:
        await refuse(update, context, "department.error.gone")
        return
    if not departments.usage(db, department_id).empty:
        await refuse(update, context, "department.error.in_use", name=name)
        return
    token = confirmations.ask(context, f"department-remove:{department_id}")
    await reply(
        update,
        context,
        "department.remove_preview",
        name=name,
        reply_markup=confirmations.buttons(
            lang, DEPARTMENT_REMOVE_GO, DEPARTMENT_REMOVE_NO, department_id, token=token
        ),
    )


@requires(OFFICE)
async def remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    department_id, token = DEPARTMENT_REMOVE_GO.parse(update.callback_query.data)
    if not confirmations.take(context, f"department-remove:{department_id}", token):
        await confirmations.refuse_stale(update, context)
        return
    db = database(context)
    name = people.department_name(db, department_id)
    try:
        departments.remove(db, department_id, person_of(update, context).id)
    except DepartmentError as error:
        await refuse(update, context, f"department.error.{error.reason}", name=error.name)
        return
    await _edit(update, context, "department.removed", name=name)


@requires(OFFICE)
async def keep(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    department_id, token = DEPARTMENT_REMOVE_NO.parse(update.callback_query.data)
    await confirmations.cancel(
        update, context, f"department-remove:{department_id}", token, "department.not_removed"
    )


async def _edit(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **values) -> None:
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), key, **values), parse_mode="HTML"
    )


def handlers() -> list[BaseHandler]:
    return [
        conversations.flow(
            "departments",
            entry_points=[CallbackQueryHandler(ask_name, pattern=DEPARTMENT_RENAME)],
            states={
                NEW_NAME: [
                    MessageHandler(
                        filters.TEXT & ~filters.COMMAND & ~filters.Text(menu.labels()), receive_name
                    )
                ]
            },
            cancel=conversations.cancelling("departments", __name__, OFFICE),
        ),
        *menu.triggers("departments", show_departments),
        CallbackQueryHandler(open_department, pattern=DEPARTMENT_OPEN),
        CallbackQueryHandler(rename, pattern=DEPARTMENT_RENAME_GO),
        CallbackQueryHandler(keep_name, pattern=DEPARTMENT_RENAME_NO),
        CallbackQueryHandler(pick_target, pattern=DEPARTMENT_MERGE_PICK),
        CallbackQueryHandler(ask_merge, pattern=DEPARTMENT_MERGE_ASK),
        CallbackQueryHandler(merge, pattern=DEPARTMENT_MERGE_GO),
        CallbackQueryHandler(keep_apart, pattern=DEPARTMENT_MERGE_NO),
        CallbackQueryHandler(ask_remove, pattern=DEPARTMENT_REMOVE_ASK),
        CallbackQueryHandler(remove, pattern=DEPARTMENT_REMOVE_GO),
        CallbackQueryHandler(keep, pattern=DEPARTMENT_REMOVE_NO),
    ]
