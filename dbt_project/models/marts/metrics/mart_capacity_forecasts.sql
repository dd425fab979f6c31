{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per forecast origin (day), daily series and horizon of 7, 30 or 90 days: the forecast on the
-- horizon's last day with its 80 % and 95 % bands, and over the whole next 7/30/90 days the
-- total forecast, the peak and the highest upper 95 % bound (what a capacity planner asks:
-- "how high can it go next month").
with daily as (
    select * from {{ ref('stg_capacity_forecasts') }}
    where grain = 'daily' and {{ in_window() }}
),
horizons as (select unnest([7, 30, 90]) as horizon)
select d.partition_date, d.series_id, split_part(d.series_id, '/', 1) as metric, h.horizon,
       max(d.model) as model,
       max(d.target_time) filter (where d.horizon_days = h.horizon) as target_time,
       max(d.forecast) filter (where d.horizon_days = h.horizon) as forecast,
       max(d.lo80) filter (where d.horizon_days = h.horizon) as lo80,
       max(d.hi80) filter (where d.horizon_days = h.horizon) as hi80,
       max(d.lo95) filter (where d.horizon_days = h.horizon) as lo95,
       max(d.hi95) filter (where d.horizon_days = h.horizon) as hi95,
       sum(d.forecast) as forecast_total, max(d.forecast) as forecast_peak,
       max(d.hi95) as hi95_peak, count(*) as days_forecast
from daily d
inner join horizons h on d.horizon_days between 1 and h.horizon
group by d.partition_date, d.series_id, h.horizon
