"""Statistics from a validated cohort: derived per-woman frame → frozen results."""
