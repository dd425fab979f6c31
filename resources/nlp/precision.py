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


@contextlib.contextmanager
def step_threads():
    """torch's intra-op threads set to ``APPOPS_STEP_THREADS`` while encoding, when set.

    ``definitions.py`` sets it to the cores divided by the steps the executor runs at once (1 on
    two cores and two steps): two steps of two threads each on two cores make every OpenMP
    barrier wait for a descheduled thread. Measured with two MiniLM encodings side by side on
    this project's 2-core machine: 34-35 texts/s each with 2 threads, 46-53 with 1 (28-29 and
    19-22 CPU-ms a text). Unset (the triage service, a benchmark), torch keeps its default."""
    wanted = os.environ.get("APPOPS_STEP_THREADS")
    if not wanted:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(wanted)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def inference_context(precision: str = DEFAULT, device: str = "cpu"):
    """A context manager running the enclosed encoding at the resolved precision, on the
    step's threads (``step_threads``)."""
    with step_threads():
        if resolve(precision, device) != "bf16":
            yield
            return
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16):
            yield
