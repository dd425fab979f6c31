-- The AppOps referential as of each day.
select application, application_name, team, criticality, business_line, partition_date
from {{ lake_source('raw_applications') }}
