{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- One row per component installed on a host on a day, with its cycle and EOL status that day.
{% set near, far = var('eol_warning_days')[0], var('eol_warning_days')[1] %}
with inventory as (
    select * from {{ ref('stg_software_inventory') }} where {{ in_window() }}
),
matches as {{ version_matches('inventory') }}
select i.partition_date, i.application, i.host, i.environment, i.product, i.product_raw,
       i.version, m.release_cycle, m.match_status, c.lts, c.release_date, c.eoas_date,
       c.eol_date, c.eol_flag,
       case when m.match_status <> 'matched' then 'unknown'
            when c.eol_flag or c.eol_date <= i.partition_date then 'eol_passed'
            when c.eol_date <= i.partition_date + {{ near }} then 'eol_within_{{ near }}d'
            when c.eol_date <= i.partition_date + {{ far }} then 'eol_within_{{ far }}d'
            when c.eoas_flag or c.eoas_date <= i.partition_date then 'active_support_ended'
            when c.eoas_date <= i.partition_date + {{ near }} then 'eoas_within_{{ near }}d'
            when c.eoas_date <= i.partition_date + {{ far }} then 'eoas_within_{{ far }}d'
            else 'supported' end as eol_status,
       date_diff('day', i.partition_date, c.eol_date) as days_to_eol
from inventory i
left join matches m on m.product = i.product and m.version = i.version
left join {{ ref('int_current_catalog') }} c
       on c.product = i.product and c.release_cycle = m.release_cycle
