"""Running in production: the health endpoint's checks, the qcluster heartbeat, backups and
restores with their retention, and the logging filter. Nothing here is imported at module level by
the settings except log_filters, which therefore imports no model."""
