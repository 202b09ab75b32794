"""The overdue dashboard: light counts and rankings, charts, the shared filter bar."""
