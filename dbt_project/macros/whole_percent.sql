{#- part / whole as a whole percentage, rounded half up in numeric (never floating point); null when
    the whole is 0 (nothing to take a percentage of). -#}
{% macro whole_percent(part, whole) -%}
    case when {{ whole }} > 0 then round({{ part }} * 100.0 / {{ whole }}, 0) end
{%- endmacro %}
