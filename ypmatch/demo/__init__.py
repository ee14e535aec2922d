"""Demo data for the four Y-PORT partner cities (invented companies, public city facts)."""
