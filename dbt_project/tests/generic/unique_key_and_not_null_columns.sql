{#- A table's grain and its required columns in one test: no two rows share the key's columns, and
    none of the not_null columns is ever null. The same checks as unique_combination_of_columns and
    not_null_columns, in one scan and one node of the weekly `dbt build` instead of two: a node costs
    a connection of its own and some tens of milliseconds of dbt's time whatever it checks (issue 15).
    A failing row is a key with more than one row or with a null in one of its rows. -#}
{% test unique_key_and_not_null_columns(model, key, not_null) %}
{%- set any_null -%}
    {% for column in not_null %}{{ column }} is null{{ " or " if not loop.last }}{% endfor %}
{%- endset %}
select
    {{ key | join(', ') }},
    count(*) as rows_with_this_key,
    count(*) filter (where {{ any_null }}) as rows_with_a_null
from {{ model }}
group by {{ key | join(', ') }}
having count(*) > 1 or count(*) filter (where {{ any_null }}) > 0
{% endtest %}
