"""Inference precision of sentence-transformer bodies on CPU.

Where the CPU computes bfloat16 natively (AMX or AVX-512 BF16: Intel Sapphire Rapids and later,
AMD Zen 4 and later), encoding under bfloat16 autocast is about twice as fast as float32 and gives
the same embeddings to about 1e-4 in cosine; elsewhere bfloat16 is emulated and slower, so
``auto`` keeps float32. ``APPOPS_INFERENCE_PRECISION`` (``auto``, ``fp32``, ``bf16``) overrides.
Weights are never converted: autocast only changes how the matrix products run.
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


def resolve(precision: str = "auto", device: str = "cpu") -> str:
    """``fp32`` or ``bf16``: what ``precision`` means on this machine and device."""
    precision = os.environ.get("APPOPS_INFERENCE_PRECISION", precision) or "auto"
    if precision not in PRECISIONS:
        raise ValueError(f"inference precision must be one of {PRECISIONS}, got {precision!r}")
    if not device.startswith("cpu"):
        return "fp32"  # GPUs: leave it to the model's own dtype
    if precision == "auto":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    return precision


def inference_context(precision: str = "auto", device: str = "cpu"):
    """A context manager running the enclosed encoding at the resolved precision."""
    if resolve(precision, device) != "bf16":
        return contextlib.nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)
