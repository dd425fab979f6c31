"""Charts of the committee report, rendered with matplotlib (Agg) as base64 PNG data URIs."""

import base64
import io

import pandas as pd

STATUS_COLOURS = {
    "eol_passed": "#b2182b",
    "eol_within_90d": "#ef8a62",
    "eol_within_180d": "#fddbc7",
    "active_support_ended": "#d1e5f0",
    "eoas_within_90d": "#92c5de",
    "eoas_within_180d": "#67a9cf",
    "supported": "#2166ac",
    "unknown": "#999999",
}


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def trend_chart(trend: pd.DataFrame) -> str:
    """Components per EOL status and day (columns: partition_date, eol_status, components)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wide = trend.pivot_table(
        index="partition_date", columns="eol_status", values="components", aggfunc="sum", fill_value=0
    )
    fig, ax = plt.subplots(figsize=(8, 3))
    for status in [s for s in STATUS_COLOURS if s in wide.columns and s != "supported"]:
        ax.plot(wide.index, wide[status], label=status, color=STATUS_COLOURS[status])
    ax.set_ylabel("components")
    ax.legend(fontsize=7, ncol=3)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    try:
        return _png(fig)
    finally:
        plt.close(fig)


def team_chart(by_team: pd.DataFrame) -> str:
    """Stacked bars of components per team and EOL status on the report's day."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wide = by_team.pivot_table(
        index="team", columns="eol_status", values="components", aggfunc="sum", fill_value=0
    )
    order = [s for s in STATUS_COLOURS if s in wide.columns]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    if not wide.empty:
        wide[order].plot.barh(stacked=True, ax=ax, color=[STATUS_COLOURS[s] for s in order], width=0.8)
        ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    ax.set_xlabel("components")
    try:
        return _png(fig)
    finally:
        plt.close(fig)
