"""Capacity-planning forecasts with darts: resampling, candidate models, rolling-origin backtest
and selection, conformal intervals, a versioned model store, threshold crossings and plots.

Nothing here imports darts or torch at module level: the code location stays fast to load.
"""
