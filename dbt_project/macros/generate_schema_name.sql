{#- Models build into the target schema (`build`) unless they name a schema of their own, which
    is then used as it is (not prefixed), so the published names are the ones in the contract. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
