-- Capacity forecasts of the forecasting assets (empty until they run).
select series_id, origin, target_time, horizon_days, grain, model, forecast,
       lo80, hi80, lo95, hi95, partition_date
from {{ lake_source('capacity_forecasts') }}
