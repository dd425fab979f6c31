{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per series, grain and day: points scored, anomalies flagged, the highest score and the first
-- and worst flagged point (for BI; the flagged rows themselves are in stg_metric_anomalies).
select partition_date, series_id, any_value(metric) as metric, any_value(resource) as resource,
       grain, count(*) as points, count(*) filter (where flagged) as anomalies,
       count(*) filter (where flagged and severity = 'critical') as critical_anomalies,
       max(score) as max_score, max(surprise) as max_surprise,
       min(time) filter (where flagged) as first_anomaly_at,
       arg_max(message, score) filter (where flagged) as worst_anomaly
from {{ ref('stg_metric_anomalies') }}
where {{ in_window() }}
group by partition_date, series_id, grain
