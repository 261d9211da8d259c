{#- After a history model's run: delete the evaluations int_evaluations_listed no longer lists (an
    authority's earlier newest version, a version superseded by a correction), so history holds
    exactly what a full refresh would build, and stays the size of what is reported. -#}
{% macro forget_unlisted_evaluations(figures) -%}
    delete from {{ this }} as evaluated
    where not exists (
        select from {{ ref('int_evaluations_listed') }} as listed
        where listed.figures = '{{ figures }}'
            and listed.delivery_version_id = evaluated.delivery_version_id
            and listed.as_at = evaluated.as_at
    )
{%- endmacro %}
