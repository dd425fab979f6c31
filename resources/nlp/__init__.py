"""Shared text tooling: sentence embeddings, clustering and topic labels, few-shot classifiers."""
