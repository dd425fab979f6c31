"""Software-defined assets of the lakehouse, one sub-package per domain."""
