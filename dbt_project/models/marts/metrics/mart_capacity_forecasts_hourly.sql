{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per forecast origin (day) and sub-daily series: the next 7 days hour by hour, with the hourly
-- 80 % / 95 % bands (for the hour's mean, or its total for a volume) and the within-hour bands
-- that a native point (5 or 30 minutes) of the hour falls in: what a dashboard of native points
-- is read against.
select partition_date, series_id, split_part(series_id, '/', 1) as metric,
       split_part(series_id, '/', 2) as resource, model, target_time, horizon_days,
       forecast, lo80, hi80, lo95, hi95,
       native_forecast, native_lo80, native_hi80, native_lo95, native_hi95
from {{ ref('stg_capacity_forecasts') }}
where grain = 'hourly' and {{ in_window() }}
