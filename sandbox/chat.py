"""Talk to the bot in the sandbox from a terminal, as one person.

    python -m sandbox.chat [--user 1001] [--name 张三] [--url http://127.0.0.1:8080]

Type a message and press Enter. `!2` presses the second inline button shown, `#1` the first
menu button, `@path/to/file.csv` sends a file, `:quit` leaves.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from sandbox.client import BotMessage, SandboxClient, SandboxUser
from sandbox.html_check import EntityError, visible_text


def _shown(message: BotMessage) -> str:
    text = message.text or message.caption or ""
    try:
        text = visible_text(text)
    except EntityError:
        pass
    if message.document:
        text += f"\n📎 {message.document['file_name']}"
    if message.photo:
        text += "\n🖼 (photo)"
    return text


def _print(messages: list[BotMessage], person: SandboxUser) -> None:
    for message in messages:
        prefix = "✏️ " if message.kind == "edited" else ""
        print(f"\n🤖 {prefix}{_shown(message)}")
    labels = person.all_labels()
    if labels:
        print("   buttons: " + "  ".join(f"!{i + 1} {label}" for i, label in enumerate(labels)))
    if person.menu():
        print("   menu:    " + "  ".join(f"#{i + 1} {label}" for i, label in enumerate(person.menu())))


async def _one_line(person: SandboxUser, line: str) -> list[BotMessage]:
    if line.startswith("!") and line[1:].isdigit():
        return await person.press(person.all_labels()[int(line[1:]) - 1])
    if line.startswith("#") and line[1:].isdigit():
        return await person.send(person.menu()[int(line[1:]) - 1])
    if line.startswith("@"):
        path = Path(line[1:].strip())
        return await person.send_file(path.read_bytes(), path.name)
    return await person.send(line)


async def chat(url: str, user_id: int, name: str) -> None:
    client = SandboxClient(url)
    try:
        person = await client.user(user_id, name)
        print(
            f"You are {name} (Telegram id {user_id}). In the demo, ids 1001 and up are the "
            f"roster's people, joined already; /help shows what you can do. :quit leaves."
        )
        while True:
            line = (await asyncio.to_thread(input, "\n> ")).strip()
            if line == ":quit":
                return
            if not line:
                continue
            try:
                _print(await _one_line(person, line), person)
            except (AssertionError, IndexError, OSError) as problem:
                print(f"   ({problem})")
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    port = os.environ.get("SANDBOX_PORT", "8080")
    parser.add_argument("--url", default=f"http://127.0.0.1:{port}")
    parser.add_argument("--user", type=int, default=1001)
    parser.add_argument("--name", default="访客")
    args = parser.parse_args()
    try:
        asyncio.run(chat(args.url, args.user, args.name))
    except (KeyboardInterrupt, EOFError):
        pass


if __name__ == "__main__":
    main()
