-- What-if scenarios beside the baseline per series and origin day (empty until they run).
select scenario, kind, series_id, metric, resource, origin, capacity_threshold,
       peak_forecast_90d, baseline_peak_forecast_90d, days_to_threshold,
       baseline_days_to_threshold, p_cross_30d, baseline_p_cross_30d, p_cross_90d,
       baseline_p_cross_90d, partition_date
from {{ lake_source('capacity_scenarios') }}
