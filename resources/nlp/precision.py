"""Inference precision of sentence-transformer bodies on CPU.

The default is float32: the same embeddings, hence the same clusters and labels, on every x86-64
CPU. bfloat16 autocast is about twice as fast where the CPU computes it natively (AMX or AVX-512
BF16: Intel Sapphire Rapids and later, AMD Zen 4 and later) but its embeddings differ from
float32 by about 1e-4 in cosine, enough to move a ticket across a cluster border, and it is
emulated (slower, and different again) elsewhere; so it only runs when asked: ``bf16`` forces it,
``auto`` takes it where native. ``APPOPS_INFERENCE_PRECISION`` (``fp32``, ``auto``, ``bf16``)
overrides what the code asks. Weights are never converted: autocast only changes how the matrix
products run.
"""

import contextlib
import os
from functools import lru_cache
from pathlib import Path

PRECISIONS = ("auto", "fp32", "bf16")
NATIVE_BF16_FLAGS = {"amx_bf16", "avx512_bf16"}


@lru_cache(maxsize=1)
def cpu_has_native_bf16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(NATIVE_BF16_FLAGS & set(line.split(":", 1)[1].split()))
    return False


DEFAULT = "fp32"


def resolve(precision: str = DEFAULT, device: str = "cpu") -> str:
    """``fp32`` or ``bf16``: what ``precision`` means on this machine and device."""
    precision = os.environ.get("APPOPS_INFERENCE_PRECISION", precision) or DEFAULT
    if precision not in PRECISIONS:
        raise ValueError(f"inference precision must be one of {PRECISIONS}, got {precision!r}")
    if not device.startswith("cpu"):
        return "fp32"  # GPUs: leave it to the model's own dtype
    if precision == "auto":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    return precision


def inference_context(precision: str = DEFAULT, device: str = "cpu"):
    """A context manager running the enclosed encoding at the resolved precision."""
    if resolve(precision, device) != "bf16":
        return contextlib.nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)
