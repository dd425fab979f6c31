"""Retrieval for the on-demand service: hybrid lexical + semantic search, document chunking,
extractive answers and ticket triage. Pure functions and classes: no Dagster asset, no I/O
beyond what the caller passes in."""
