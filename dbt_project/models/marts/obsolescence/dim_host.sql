-- Hosts seen by the scans: their application and environment (last seen) and scan span.
select host, arg_max(application, partition_date) as application,
       arg_max(environment, partition_date) as environment,
       min(partition_date) as first_seen, max(partition_date) as last_seen
from {{ ref('stg_software_inventory') }}
group by host
