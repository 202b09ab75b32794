"""deploy/tracker.env names every variable of README.md's configuration table, parses the same for
systemd and sh, and gives a production profile that passes ``check --deploy``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "tracker.env"


def _readme_variables() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration (environment variables)", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def _template_variables() -> set[str]:
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", TEMPLATE.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_documented_variable_is_in_the_template():
    documented = _readme_variables()
    assert len(documented) > 30  # guards the parsing of the README table
    assert documented - _template_variables() == set()


def test_every_variable_of_the_template_is_documented():
    assert _template_variables() - _readme_variables() == set()


def _sourced() -> dict[str, str]:
    """What sh makes of the file (duban-manage sources it)."""
    result = subprocess.run(
        ["sh", "-c", f'set -a; . "{TEMPLATE}"; set +a; env -0'],
        capture_output=True,
        check=True,
        env={"PATH": os.environ["PATH"]},
        timeout=30,
    )
    return dict(item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)


def test_sh_reads_the_template_as_systemd_does():
    values = _sourced()
    assert values["DEFAULT_FROM_EMAIL"] == "督办台账 <duban@example.gov.cn>"
    assert values["DEBUG"] == "false" and values["TRACKER_VAR_DIR"] == "/var/lib/duban"


def test_the_template_passes_check_deploy(tmp_path):
    values = _sourced()
    env = {**values, "PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    env.update(
        TRACKER_VAR_DIR=str(tmp_path),  # the template's paths do not exist here
        TRACKER_BACKUP_DIR=str(tmp_path / "backups"),
        SECRET_KEY="k" * 20 + "-production-secret-Xy9#pQ2$rT7&wZ4!mN8@",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
