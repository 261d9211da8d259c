{#- The body of a CTE giving, for each (la_code, as_at) of the CTE `rows`, the 0-17 population estimate
    its rate is worked out against: the estimate of as_at's year, else of the latest earlier year, from
    the model's `population` CTE. One join, rather than a lookup per row. (la_code, as_at) with no
    estimate have no row, so the rate is null. -#}
{% macro population_for_as_at(rows) -%}
    select distinct on ({{ rows }}.la_code, {{ rows }}.as_at)
        {{ rows }}.la_code,
        {{ rows }}.as_at,
        population.children_0_17
    from {{ rows }}
    inner join population
        on population.la_code = {{ rows }}.la_code
        and population.year <= extract(year from {{ rows }}.as_at)
    order by {{ rows }}.la_code, {{ rows }}.as_at, population.year desc
{%- endmacro %}
