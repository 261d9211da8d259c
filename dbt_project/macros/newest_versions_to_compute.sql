{#- The body of the first CTE of the models behind lac_brief_episodes, which read only each
    authority's newest accepted delivery: the newest versions (with la_code and as_at) the model does
    not hold yet; all of them on a full refresh. A new week changes one authority's newest version,
    so a weekly run sequences, groups and flags that version's episodes only. -#}
{% macro newest_versions_to_compute() -%}
    select versions.delivery_version_id, versions.la_code, versions.as_at
    from {{ ref('int_versions_reported') }} as versions
    where versions.figures = 'LAC' and versions.is_newest
    {%- if is_incremental() %}
        and not exists (
            select from {{ this }} as built
            where built.delivery_version_id = versions.delivery_version_id
        )
    {%- endif %}
{%- endmacro %}

{#- After a run of those models: delete the versions that are no longer an authority's newest, so the
    model holds what a full refresh would build. -#}
{% macro forget_versions_no_longer_newest() -%}
    delete from {{ this }} as built
    where not exists (
        select from {{ ref('int_versions_reported') }} as versions
        where versions.figures = 'LAC' and versions.is_newest and versions.delivery_version_id = built.delivery_version_id
    )
{%- endmacro %}
