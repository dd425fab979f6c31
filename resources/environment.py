"""Environment variables set for the duration of a block, then restored exactly as they were.

dbt runs as a subprocess configured through the environment (its profile reads the warehouse
path and the lake's filesystems from it); tests point boto3/s3fs at a loopback server the same
way. Both need the previous values back afterwards, unset ones unset again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
