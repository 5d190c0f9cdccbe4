"""What people met on their first walk through the sandbox on a phone (390x844): the office of a
county hospital setting up, a nurse with her first anonymous opinion, a leader claiming and
reading, the office triaging hotspots. Each test is one thing a person hit.

Fast tier (tests/fast.py) unless it says otherwise."""

from __future__ import annotations

import unicodedata

from conftest import join, submit_opinion


def _full_width(text: str) -> str:
    """As a Chinese input method in full-width mode types it: Ａ-Ｚ, ０-９, －."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


async def test_a_receipt_typed_in_full_width_or_copied_with_its_label_is_found(fast_client, invited):
    nurse = await join(fast_client, invited, 101, "张伟")
    receipt = await submit_opinion(nurse, "夜班护士太少，一个人看三十张床。")
    assert unicodedata.normalize("NFKC", _full_width(receipt)) == receipt
    card = await nurse.send(f"/receipt {_full_width(receipt)}")
    assert "夜班护士太少" in card[-1].text, card[-1].text
    # pasted from the receipt message, label and all, in the step that asks for it
    await nurse.send("/receipt")
    card = await nurse.send(f"您的回执码：\n{receipt.lower()}")
    assert "夜班护士太少" in card[-1].text, card[-1].text
