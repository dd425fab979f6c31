"""Embedded demo data: realistic and deterministic for any day (seeded by the date)."""
