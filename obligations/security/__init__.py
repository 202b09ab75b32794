"""Refusing hostile input and brute force: request body limits, id checks, bounded login forms,
the login lockout (django-axes) and the 400 refusal its views raise."""
