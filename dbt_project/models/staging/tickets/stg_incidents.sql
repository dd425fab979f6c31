-- Incidents, last known version of each (the lake keeps one row per incident and update day).
select number, opened_at, resolved_at, short_description, category, subcategory, priority,
       impact, urgency, assignment_group, cmdb_ci, state, close_code, sys_updated_on,
       cast(timezone('Europe/Paris', opened_at) as date) as opened_day,
       cast(timezone('Europe/Paris', resolved_at) as date) as resolved_day,
       date_diff('second', opened_at, resolved_at) / 3600.0 as resolution_hours,
       partition_date as last_update_day
from {{ lake_source('raw_incidents') }}
qualify row_number() over (partition by number order by sys_updated_on desc, partition_date desc) = 1
