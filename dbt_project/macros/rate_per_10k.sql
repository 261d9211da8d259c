{#- A rate per 10,000, rounded half up to one decimal place in numeric (never floating point). -#}
{% macro rate_per_10k(count_column, population_column) -%}
    case
        when {{ population_column }} > 0
        then round({{ count_column }}::numeric * 10000 / {{ population_column }}, 1)
    end
{%- endmacro %}
