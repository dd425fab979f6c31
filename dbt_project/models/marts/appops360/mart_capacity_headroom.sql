{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Capacity headroom per series and day from the forecasting assets (empty before they run).
select partition_date, series_id, metric, resource, capacity_threshold, days_to_threshold,
       crossing_date, p_cross_7d, p_cross_30d, p_cross_90d,
       coalesce(p_cross_30d >= 0.5, false) as at_risk_30d
from {{ ref('stg_capacity_headroom') }}
where {{ in_window() }}
