{#
  Every distinct (product, version) of `installed` matched to its release cycle in the current
  catalog, with endoflife.date's rule: a version belongs to the longest cycle it equals or
  starts with, followed by `.`, `-` or `+` (3.11.7 -> 3.11, never 3.1). Nothing is dropped:
  an unknown product or a version of no cycle gets match_status `unknown_product` /
  `unknown_version` and a null cycle.
#}
{% macro version_matches(installed) -%}
  (with installed as (select distinct product, version from {{ installed }}),
  candidates as (
      select i.product, i.version, c.release_cycle,
             row_number() over (partition by i.product, i.version
                                order by length(c.release_cycle) desc) as rank
      from installed i
      join {{ ref('int_current_catalog') }} c
        on c.product = i.product
       and (i.version = c.release_cycle
            or starts_with(i.version, c.release_cycle || '.')
            or starts_with(i.version, c.release_cycle || '-')
            or starts_with(i.version, c.release_cycle || '+'))
  ),
  known_products as (select distinct product from {{ ref('int_current_catalog') }})
  select i.product, i.version, m.release_cycle,
         case when m.release_cycle is not null then 'matched'
              when k.product is not null then 'unknown_version'
              else 'unknown_product' end as match_status
  from installed i
  left join candidates m on m.product = i.product and m.version = i.version and m.rank = 1
  left join known_products k on k.product = i.product)
{%- endmacro %}
