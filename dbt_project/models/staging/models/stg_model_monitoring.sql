-- Live model figures per model, metric and day (empty until model_monitoring runs).
select model, version, metric, value, reference, n, partition_date
from {{ lake_source('model_monitoring') }}
