"""The web tests' logged-in clients, for the hardening tests too."""

from ..web.conftest import as_user  # noqa: F401  (a fixture)
