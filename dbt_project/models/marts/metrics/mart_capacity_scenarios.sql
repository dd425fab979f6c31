{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per scenario, series and day: the scenario's 90-day peak, days to threshold and crossing
-- probabilities beside the baseline's, and what the scenario changes.
select partition_date, scenario, kind, series_id, metric, resource, capacity_threshold,
       peak_forecast_90d, baseline_peak_forecast_90d,
       peak_forecast_90d / nullif(baseline_peak_forecast_90d, 0) - 1 as peak_change,
       days_to_threshold, baseline_days_to_threshold,
       p_cross_30d, baseline_p_cross_30d, p_cross_90d, baseline_p_cross_90d,
       coalesce(p_cross_30d >= 0.5, false) and not coalesce(baseline_p_cross_30d >= 0.5, false)
           as newly_at_risk_30d
from {{ ref('stg_capacity_scenarios') }}
where {{ in_window() }}
