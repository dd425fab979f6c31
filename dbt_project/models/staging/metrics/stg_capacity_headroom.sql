-- Headroom per series and origin day (empty until the forecasting assets run).
select series_id, metric, resource, origin, capacity_threshold, days_to_threshold,
       crossing_date, p_cross_7d, p_cross_30d, p_cross_90d, partition_date
from {{ lake_source('capacity_headroom') }}
