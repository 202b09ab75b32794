"""Benchmark sections for ``manage.py bench`` (the lead's package; this branch adds ``extract``)."""
