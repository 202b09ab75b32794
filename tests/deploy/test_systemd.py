"""The systemd units verify cleanly (systemd-analyze verify, in a throw-away root holding what they
name) and keep the properties the deployment relies on."""

from __future__ import annotations

import configparser
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def _executables(path: Path) -> list[str]:
    service = _unit(path)["Service"]
    return [service[key].split()[0] for key in ("ExecStart", "ExecReload") if key in service]


@pytest.fixture
def fake_root(tmp_path) -> Path:
    """A root with systemd's own units (targets the services hang off) and stand-ins for the
    programs the units start, where the installation puts them."""
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing (Debian package systemd)")
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(unit, root / "etc/systemd/system" / unit.name)
        for program in _executables(unit):
            target = root / program.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("#!/bin/sh\n")
            target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return root


def _verify(root: Path, *names: str) -> subprocess.CompletedProcess:
    paths = [str(root / "etc/systemd/system" / name) for name in names]
    return subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "--man=no", *paths],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_there_are_units_for_web_and_qcluster():
    assert {unit.name for unit in UNITS} == {"duban-web.service", "duban-qcluster.service"}


def test_units_verify_without_a_single_warning(fake_root):
    result = _verify(fake_root, *(unit.name for unit in UNITS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "" and result.stderr.strip() == "", result.stderr


def test_verify_really_reads_the_files(fake_root):
    """Guards the test above: a misspelt value and a missing program are reported."""
    unit = fake_root / "etc/systemd/system/duban-qcluster.service"
    unit.write_text(unit.read_text().replace("KillMode=mixed", "KillMode=mixd"))
    result = _verify(fake_root, unit.name)
    assert "mixd" in result.stderr
    (fake_root / "opt/duban/.venv/bin/python").unlink()
    result = _verify(fake_root, unit.name)
    assert result.returncode != 0 and "not executable" in result.stderr


@pytest.mark.parametrize("unit", UNITS, ids=[unit.stem for unit in UNITS])
def test_units_run_unprivileged_hardened_and_restart(unit):
    service = _unit(unit)["Service"]
    assert service["User"] == "duban" and service["Group"] == "duban"
    assert service["Restart"] == "on-failure"
    assert service["KillMode"] == "mixed"  # qcluster: SIGTERM to the main process only
    assert int(service["TimeoutStopSec"]) >= 45
    assert service["EnvironmentFile"] == "/etc/duban/tracker.env"
    for option in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices"):
        assert service[option] == "yes", option
    assert service["ProtectSystem"] == "strict"
    assert service["StateDirectory"] == "duban"  # /var/lib/duban = TRACKER_VAR_DIR of tracker.env
    assert "/var/backups/duban" in service["ReadWritePaths"].split()


def test_web_unit_starts_gunicorn_with_the_project_config_and_stops_within_its_grace():
    service = _unit(ROOT / "deploy/systemd/duban-web.service")["Service"]
    assert service["Type"] == "notify"  # gunicorn tells systemd when its workers are up
    assert "python:tracker.gunicorn_conf" in service["ExecStart"] and service["ExecStart"].endswith(
        "tracker.wsgi"
    )
    from tracker import gunicorn_conf

    assert int(service["TimeoutStopSec"]) > gunicorn_conf.graceful_timeout
