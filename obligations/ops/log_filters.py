"""Logging filters named by settings.LOGGING (loaded before the apps: no model imports here)."""

from __future__ import annotations

import logging


class ClientErrorsBrief(logging.Filter):
    """Drop the traceback from records about refused requests (status 4xx).

    Django logs an ordinary PermissionDenied or Http404 with ``exc_info`` set, so a 403 filled the
    log with a traceback. A 4xx is the client's doing: one line says it. Server errors (5xx) and
    records without a status keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
