{#- change_vs_previous and change_vs_4_weeks of a weekly figure, over rows of (la_code, as_at):
    the figure minus its value at the authority's previous as_at, and minus its value at the latest
    as_at from as_at - 34 to as_at - 28 days (null when there is none). Window functions, so the cost
    grows with the rows, not with their square. -#}
{% macro change_columns(figure) -%}
    {{ figure }} - lag({{ figure }}) over (partition by la_code order by as_at) as change_vs_previous,
    {{ figure }} - last_value({{ figure }}) over (
        partition by la_code
        order by as_at
        range between interval '34 days' preceding and interval '28 days' preceding
    ) as change_vs_4_weeks
{%- endmacro %}
