{#- An evaluation of return_figures: a reported version's findings, counted against the findings of the
    version reported at the authority's previous as_at. It is computed again when either changes: a
    correction, a rerun of the rules (checked_at), or a previous as_at accepted later. -#}
{% macro same_return_evaluation(listed, evaluated) -%}
    {{ evaluated }}.delivery_version_id = {{ listed }}.delivery_version_id
        and {{ evaluated }}.return_type = {{ listed }}.return_type
        and {{ evaluated }}.checked_at = {{ listed }}.checked_at
        and {{ evaluated }}.previous_delivery_version_id is not distinct from {{ listed }}.previous_delivery_version_id
        and {{ evaluated }}.previous_checked_at is not distinct from {{ listed }}.previous_checked_at
{%- endmacro %}

{#- The body of return_figures' first CTE: the evaluations int_return_versions_reported lists and the
    model does not hold yet. On a full refresh, all of them. -#}
{% macro return_evaluations_to_compute() -%}
    select * from {{ ref('int_return_versions_reported') }} as listed
    {%- if is_incremental() %}
    where not exists (
        select from {{ this }} as evaluated
        where {{ same_return_evaluation('listed', 'evaluated') }}
    )
    {%- endif %}
{%- endmacro %}

{#- Before return_figures' incremental run: delete the evaluations int_return_versions_reported no longer
    lists, so history holds exactly what a full refresh would build. Before, not after: an evaluation
    computed again (a rerun, a corrected previous week) keeps its version's rows' unique key. -#}
{% macro forget_unlisted_return_evaluations() -%}
    {%- if is_incremental() %}
    delete from {{ this }} as evaluated
    where not exists (
        select from {{ ref('int_return_versions_reported') }} as listed
        where {{ same_return_evaluation('listed', 'evaluated') }}
    )
    {%- endif %}
{%- endmacro %}
