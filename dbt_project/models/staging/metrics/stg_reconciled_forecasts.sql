-- Reconciled forecasts of every hierarchy node (empty until reconciled_forecasts runs).
select hierarchy, series_id, level, parent_id, origin, target_time, horizon_days,
       base_forecast, forecast, lo80, hi80, lo95, hi95, partition_date
from {{ lake_source('reconciled_forecasts') }}
