"""Source resources: one abstract resource per raw asset, each with a demo and a real implementation."""
