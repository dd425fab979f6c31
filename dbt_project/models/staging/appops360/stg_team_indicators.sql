-- Staff on duty, changes deployed and on-call pages per team and day.
select team, day, staff_on_duty, changes_deployed, oncall_pages, partition_date
from {{ lake_source('raw_team_indicators') }}
