{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Components whose product or version matches no catalog cycle: reported, never dropped.
select partition_date, application, host, environment, product_raw as product, version,
       match_status
from {{ ref('fct_installed_components') }}
where match_status <> 'matched' and {{ in_window() }}
