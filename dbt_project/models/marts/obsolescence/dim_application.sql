-- Applications as the newest referential describes them.
select application, application_name, team, criticality, business_line,
       partition_date as referential_day
from {{ ref('stg_applications') }}
qualify row_number() over (partition by application order by partition_date desc) = 1
