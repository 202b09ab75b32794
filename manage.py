#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

In a checkout where ``make demo`` ran, ``var/demo.env`` says DEBUG=true (its values apply only
where the environment is silent), so the README's commands work without exporting anything. A
production server never has that file (its environment file sets DEBUG=false anyway), and a
missing SECRET_KEY is one line on stderr saying what to set, never a traceback.
"""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def load_demo_env() -> None:
    """KEY=VALUE lines of <TRACKER_VAR_DIR or var>/demo.env, as defaults under the environment."""
    var_dir = Path(os.environ.get("TRACKER_VAR_DIR") or BASE_DIR / "var")
    path = var_dir / "demo.env"
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    load_demo_env()
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings: a bad environment stops here)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"{exc}\n")
        sys.exit(2)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
