"""The deployment files: deploy/docker-compose.yml and deploy/rectify-bot.service. No Docker
engine runs here, so the image is not built (.ci/run builds it where one answers); the
compose file is read as YAML and held to what the README promises, its health check command
is run against a real health endpoint, and the unit is checked by systemd-analyze where present."""

from __future__ import annotations

import asyncio
import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from health import server as health_server
from health.vitals import JobRun

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.fixture
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _seconds(duration: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([smh])", duration))


def test_compose_runs_the_bot_with_its_volume_restarts_and_rotates_logs(compose):
    bot = compose["services"]["bot"]
    assert (DEPLOY / bot["build"]["context"] / "Dockerfile").is_file()
    assert bot["restart"] in ("always", "unless-stopped")
    assert "rectify-data:/data" in bot["volumes"] and "rectify-data" in compose["volumes"]
    assert bot["environment"]["DATABASE_PATH"].startswith("/data/")
    assert bot["environment"]["BACKUP_DIR"].startswith("/data/")
    assert bot["logging"]["driver"] == "json-file"
    assert bot["logging"]["options"]["max-size"] and int(bot["logging"]["options"]["max-file"]) >= 2
    assert bot["stop_signal"] == "SIGTERM" and _seconds(bot["stop_grace_period"]) > 10
    assert (DEPLOY / bot["env_file"][0]).resolve() == (DEPLOY.parent / ".env")


def test_compose_health_check_asks_healthz_on_the_configured_port(compose):
    bot = compose["services"]["bot"]
    check = bot["healthcheck"]
    command = " ".join(check["test"])
    port = bot["environment"]["HEALTH_PORT"]
    host = bot["environment"]["HEALTH_HOST"]
    assert f"http://{host}:{port}/healthz" in command
    assert _seconds(check["interval"]) <= 120 and check["retries"] >= 1
    assert _seconds(check["start_period"]) >= 30  # the first sweep comes within the first minute


async def _run_check(command: list[str], url: str) -> int:
    argv = [
        sys.executable if part == "python" else part.replace("http://127.0.0.1:9100/healthz", url)
        for part in command[1:]
    ]
    process = await asyncio.create_subprocess_exec(*argv, stderr=asyncio.subprocess.DEVNULL)
    return await process.wait()


async def test_the_health_check_command_passes_when_healthy_and_fails_on_503(compose, running_bot):
    import time

    command = compose["services"]["bot"]["healthcheck"]["test"]
    assert command[0] == "CMD"
    app = running_bot.app
    runner = web.AppRunner(health_server.routes(app))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{health_server.serving_port(runner)}/healthz"
    try:
        app.bot_data["vitals"].jobs["sweeper"] = JobRun(finished=time.monotonic(), seconds=0.1)
        assert await _run_check(command, url) == 0
        for job in app.job_queue.get_jobs_by_name("sweeper"):
            job.enabled = False
        app.bot_data["vitals"].jobs["sweeper"] = JobRun(finished=time.monotonic() - 600, seconds=0.1)
        assert await _run_check(command, url) != 0
    finally:
        await runner.cleanup()


def _unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / "rectify-bot.service")
    return unit


def test_the_systemd_unit_restarts_always_but_not_for_what_a_restart_cannot_mend():
    service = _unit()["Service"]
    assert service["Restart"] == "always"
    assert service["ExecStart"].endswith("python bot.py")
    assert {"2", "3"} <= set(service["RestartPreventExitStatus"].split())  # bad setting, failed upgrade
    assert service["KillSignal"] == "SIGTERM" and float(service["TimeoutStopSec"]) > 10
    assert service["User"] != "root"
    assert _unit()["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze on this machine")
def test_systemd_analyze_finds_nothing_wrong_but_the_missing_install(tmp_path):
    answer = subprocess.run(
        ["systemd-analyze", "verify", str(DEPLOY / "rectify-bot.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    complaints = [
        line
        for line in (answer.stdout + answer.stderr).splitlines()
        if line.strip() and "/opt/rectify-bot" not in line
    ]
    assert complaints == []
