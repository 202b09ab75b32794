"""Development tooling: synthetic data, the demo, bulk inserts, benchmark sections.

Never imported by the product's request path or jobs; the bench, seed_synthetic and load_demo
commands use it.
"""
