"""After ``make demo`` the README's commands run without exporting anything (var/demo.env says
DEBUG=true for that checkout); without it, or with DEBUG=false, one line says what to set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    drop = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "TRACKER_VAR_DIR"}
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(TRACKER_VAR_DIR=str(var_dir), **extra)
    return env


def _manage(var_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(var_dir, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_demo_marks_the_checkout_and_commands_then_just_work(tmp_path):
    subprocess.run(["make", "-s", "demo-env"], cwd=ROOT, env=_env(tmp_path), check=True, timeout=60)
    assert "DEBUG=true" in (tmp_path / "demo.env").read_text(encoding="utf-8").splitlines()
    result = _manage(tmp_path, "extract_plan", str(ROOT / "fixtures" / "plans" / "000_00f7338b1488e55e.txt"))
    assert result.returncode == 0, result.stderr
    assert '"notices"' in result.stdout
    assert len((tmp_path / "secret_key").read_text().strip()) >= 50  # the generated development key


def test_without_the_demo_file_one_line_says_what_to_set(tmp_path):
    result = _manage(tmp_path, "import_plan", "plan.txt")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "SECRET_KEY" in line and "make demo" in line and "DEBUG=true" in line
    assert not (tmp_path / "secret_key").exists()


def test_the_environment_wins_over_the_demo_file(tmp_path):
    """A server that once ran the demo in this folder never uses the development key in production."""
    (tmp_path / "demo.env").write_text("DEBUG=true\n", encoding="utf-8")
    result = _manage(tmp_path, "check", DEBUG="false")
    assert result.returncode == 2 and "SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists()
    production = _manage(tmp_path, "check", DEBUG="false", SECRET_KEY="p" * 60)
    assert production.returncode == 0, production.stderr
    assert not (tmp_path / "secret_key").exists()
