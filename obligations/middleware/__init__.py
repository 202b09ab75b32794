"""The project's middleware, one job each (see MIDDLEWARE in tracker/settings.py for the order)."""
