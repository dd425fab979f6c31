-- Metric points, one row per metric, resource and instant.
select timestamp as measured_at, metric, resource, value, unit, partition_date
from {{ lake_source('raw_metrics') }}
