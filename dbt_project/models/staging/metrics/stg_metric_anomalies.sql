-- Anomaly scores and flags per series, grain and point (empty until metric_anomalies runs).
select series_id, metric, resource, grain, time, value, expected, surprise, score, flagged,
       alert_id, severity, message, partition_date
from {{ lake_source('metric_anomalies') }}
