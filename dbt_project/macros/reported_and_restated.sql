{#- The body of a weekly mart's CTE joining each reported (la_code, as_at) of the CTE `versions`
    (int_versions_reported, for one kind of figures) to its figures in the history model's CTE
    `figures`: as reported, the as_at's own version read at that as_at; restated (`<column>_restated`),
    the authority's newest version read at the same as_at. A missing evaluation leaves nulls. -#}
{% macro reported_and_restated(versions, figures, columns) -%}
    select
        {{ versions }}.la_code,
        {{ versions }}.as_at,
    {%- for column in columns %}
        reported.{{ column }},
    {%- endfor %}
    {%- for column in columns %}
        restated.{{ column }} as {{ column }}_restated{{ "," if not loop.last }}
    {%- endfor %}
    from {{ versions }}
    inner join {{ versions }} as newest
        on newest.la_code = {{ versions }}.la_code
        and newest.is_newest
    left join {{ figures }} as reported
        on reported.delivery_version_id = {{ versions }}.delivery_version_id
        and reported.as_at = {{ versions }}.as_at
    left join {{ figures }} as restated
        on restated.delivery_version_id = newest.delivery_version_id
        and restated.as_at = {{ versions }}.as_at
{%- endmacro %}
