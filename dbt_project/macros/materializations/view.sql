{#- dbt's view materialization, except that a view already holding the model's SQL is left as it is.

    A view holds no rows: created again with the same SQL, it is the same view. Yet dbt creates every
    view again in every build (create, two renames, a drop, and the catalogue locks they take), and
    the ten staging views did that every week for nothing: about 0.3 CPU-seconds of dbt's, a tenth of
    the weekly build (docs/architecture.md, the weekly constant). So each view records the md5 of the
    SQL it was created from in its comment (view_definition_comment, the post-hook of
    models/staging in dbt_project.yml), and a build that is not a full refresh checks that comment
    first: the same SQL, nothing to do; other SQL, no comment, or no view, dbt's own
    materialization. The SQL is as compiled, so a change to a macro or a source's schema counts as a
    change. -#}
{%- materialization view, adapter='postgres' -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- if existing_relation is not none and existing_relation.is_view and not should_full_refresh() -%}
        {%- call statement('main', fetch_result=True) -%}
            select coalesce(obj_description({{ dbt.string_literal(this) }}::regclass, 'pg_class') = {{ dbt.string_literal(view_definition_comment()) }}, false) as is_the_same_view
        {%- endcall -%}
        {%- if load_result('main').table.columns[0].values()[0] -%}
            {{ return({'relations': [this.incorporate(type='view')]}) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(materialization_view_default()) }}
{%- endmaterialization -%}

{#- The comment of a view created from the model's compiled SQL (empty while dbt parses). -#}
{% macro view_definition_comment() -%}
    view of sql md5 {{ local_md5(model.get('compiled_code', '')) }}
{%- endmacro %}
