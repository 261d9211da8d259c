{#- The body of a history model's first CTE: the evaluations of these figures (LAC, CP or CIN) that
    int_evaluations_listed lists and the model does not hold yet, each once (reported and restated
    often read the same version at the same date). On a full refresh, all of them. -#}
{% macro evaluations_to_compute(figures) -%}
    select distinct listed.la_code, listed.as_at, listed.delivery_version_id
    from {{ ref('int_evaluations_listed') }} as listed
    where listed.figures = '{{ figures }}'
    {%- if is_incremental() %}
        and not exists (
            select from {{ this }} as evaluated
            where evaluated.delivery_version_id = listed.delivery_version_id
                and evaluated.as_at = listed.as_at
        )
    {%- endif %}
{%- endmacro %}
