"""Moving the test database between migrations the way ``manage.py migrate`` does: the light
tallies' triggers dropped first and reinstalled after (apps.py does that on its signals, which a
bare MigrationExecutor does not send)."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from obligations.dashboard.tally_sql import drop_triggers, install_triggers


def migrate_to(targets: list[tuple[str, str]] | None = None) -> MigrationExecutor:
    """Migrate to ``targets`` (default: the latest migrations); returns the executor used."""
    executor = MigrationExecutor(connection)
    drop_triggers(connection)
    executor.migrate(targets if targets is not None else executor.loader.graph.leaf_nodes())
    install_triggers(connection)
    return executor
