"""Model performance: measured per window and segment, and estimated before labels arrive."""
