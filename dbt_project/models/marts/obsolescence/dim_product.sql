-- Products of the catalog: title, category, number of cycles, whether any is LTS.
select product, any_value(product_title) as product_title, any_value(category) as category,
       count(*) as release_cycles, bool_or(lts) as has_lts, any_value(catalog_day) as catalog_day
from {{ ref('int_current_catalog') }}
group by product
