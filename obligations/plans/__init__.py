"""Plans: storing an extraction (importing), the supervisor's review, the unit directory."""
