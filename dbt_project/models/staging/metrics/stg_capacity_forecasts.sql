-- Capacity forecasts of the forecasting assets (empty until they run). native_*: the bands a
-- native (5- or 30-minute) point of an hourly row's hour falls in; null on daily rows.
select series_id, origin, target_time, horizon_days, grain, model, forecast,
       lo80, hi80, lo95, hi95,
       native_forecast, native_lo80, native_hi80, native_lo95, native_hi95, partition_date
from {{ lake_source('capacity_forecasts') }}
