"""The qcluster's heartbeat: a django-q job (schedule 集群心跳, every minute) writing one row.

Why a row and not django-q2's own cluster statistics: those live in the broker (Redis keys) or,
with the ORM broker, in Django's cache, which is per process by default, so a web process cannot
read them. A row written by a scheduled job proves more, too: a scheduler fired it and a worker
ran it, through whichever broker is configured, on whichever machine.
"""

from __future__ import annotations

import os
import socket

from django.utils import timezone

from ..models import Heartbeat

CLUSTER = "qcluster"


def beat() -> str:
    """django-q entry point: record that a qcluster worker is alive now."""
    Heartbeat.objects.update_or_create(
        name=CLUSTER,
        defaults={"beat_at": timezone.now(), "host": socket.gethostname()[:255], "pid": os.getpid()},
    )
    return "beat"
