"""PNG of a series at risk: recent history, forecast, 80/95 % bands and the threshold line."""

from __future__ import annotations

import base64
import io
from datetime import date

import polars as pl

from resources.forecasting.history import History
from resources.forecasting.store import safe_name
from resources.storage import LakehouseStorage


def risk_plot(hist: History, forecast: pl.DataFrame, threshold: float, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3), dpi=80)
    ax.plot(hist.times[-180:], hist.values[-180:], color="black", lw=0.8, label="history")
    times = forecast["target_time"].dt.replace_time_zone(None).to_numpy()
    ax.fill_between(times, forecast["lo95"], forecast["hi95"], color="C0", alpha=0.15, label="95 %")
    ax.fill_between(times, forecast["lo80"], forecast["hi80"], color="C0", alpha=0.3, label="80 %")
    ax.plot(times, forecast["forecast"], color="C0", lw=1.2, label="forecast")
    ax.axhline(threshold, color="C3", ls="--", lw=1, label="threshold")
    return _finish(plt, fig, ax, title)


def scenario_plot(base: pl.DataFrame, scenario: pl.DataFrame, threshold: float | None, title: str) -> bytes:
    """Baseline forecast and band against the scenario's, with the threshold when set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3), dpi=80)
    for frame, colour, label in ((base, "C0", "baseline"), (scenario, "C1", "scenario")):
        times = frame["target_time"].dt.replace_time_zone(None).to_numpy()
        ax.fill_between(times, frame["lo80"], frame["hi80"], color=colour, alpha=0.2)
        ax.plot(times, frame["forecast"], color=colour, lw=1.2, label=f"{label} (80 % band)")
    if threshold is not None:
        ax.axhline(threshold, color="C3", ls="--", lw=1, label="threshold")
    return _finish(plt, fig, ax, title)


def _finish(plt, fig, ax, title: str) -> bytes:
    """Title, legend and dates laid out; the figure as PNG bytes, closed."""
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.autofmt_xdate()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def markdown_image(png: bytes, alt: str) -> str:
    """Inline image for Dagster's markdown metadata (rendered in the UI)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


def save_plot(
    storage: LakehouseStorage, kind: str, day: date, name: str, title: str, png: bytes
) -> tuple[str, str]:
    """Writes ``png`` to ``reports/<kind>/<day>/<name>.png`` (a rerun replaces it); returns its
    path and the asset metadata's markdown entry for it (bold title, then the image inline)."""
    path = storage.reports(kind, day.isoformat(), f"{safe_name(name)}.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return str(path), f"**{title}**\n\n{markdown_image(png, name)}"
