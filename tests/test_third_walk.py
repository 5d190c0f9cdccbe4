"""What people met on the third walk through the sandbox on a phone (390x844): the level above
(a county bureau's 督导组 and its institutions), the public (a patient at the lobby poster, a
社会行风监督员 with a slip, a public questionnaire), and evaluations and self-checks from the
office's side. Each test is one thing a person hit.

Fast tier (tests/fast.py) unless it says otherwise."""

from __future__ import annotations

from conftest import join


async def test_a_patient_who_types_at_the_poster_steps_is_asked_to_tap_and_loses_nothing(
    fast_client, invited, db
):
    """A patient who typed 服务太度 (a typo) or 门诊 (门诊部 is the button) was told 这里只能匿名提意见：
    发送 /opinion, as if outside the box, and so was the opinion typed next (the step had not
    moved): the steps' own answer to typed text was for staff only."""
    from test_public_box import open_box

    office = await join(fast_client, invited, 103, "王芳")
    code = await open_box(office)
    patient = await fast_client.user(990, "病人家属")
    await patient.send(f"/start {code}")
    typo = await patient.send("服务太度")
    assert "请点上方按钮选择" in typo[-1].text and "/opinion" not in typo[-1].text, typo[-1].text
    await patient.send("服务态度")
    near = await patient.send("门诊")
    assert "请点上方按钮选择，或直接输入科室名称" in near[-1].text, near[-1].text
    await patient.send("门诊部")
    asked = await patient.send("挂号窗口的工作人员态度很差😠，排队一小时！！")
    assert "/opinion" not in asked[-1].text, asked[-1].text
    preview = await patient.send("完成")
    assert any("挂号窗口的工作人员态度很差😠" in (m.text or "") for m in preview), preview[-1].text
