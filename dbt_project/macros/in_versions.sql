{#- A history model's filter of raw rows to the versions it computes. A weekly run computes a few
    versions: `= any(array(...))` lets the planner find their rows through raw's BRIN index on
    delivery_version_id, where a join would type every row of raw first. A full refresh computes
    them all: a semi-join, since an array of thousands of versions would be searched row by row. -#}
{% macro in_versions(versions) -%}
    {%- if is_incremental() -%}
        = any(array(select delivery_version_id from {{ versions }}))
    {%- else -%}
        in (select delivery_version_id from {{ versions }})
    {%- endif -%}
{%- endmacro %}
