{#- The version each (la_code, extract_date) is reported from: its newest accepted version. A
    correction (different bytes for the same folder) replaces the earlier one from then on. The
    authority's latest such date is its newest accepted delivery, which restated figures use.
    Looked-after figures come only from versions that delivered SSDA903 Episodes, so a folder holding
    only CP plans or an audit return makes no looked-after row (CP plans: int_plan_versions_reported). -#}
with delivery_versions as (
    select * from {{ ref('stg_ledger__delivery_versions') }}
),

delivery_files as (
    select * from {{ ref('stg_ledger__delivery_files') }}
),

with_episodes as (
    select distinct delivery_version_id
    from delivery_files
    where table_name = 'ssda903_episodes' and file_status = 'accepted'
),

accepted as (
    select * from delivery_versions
    where version_status = 'accepted'
        and delivery_version_id in (select delivery_version_id from with_episodes)
),

ranked as (
    select
        *,
        row_number() over (
            partition by la_code, extract_date
            order by received_at desc, delivery_version_id desc
        ) as newest_first
    from accepted
),

final as (
    select
        delivery_version_id,
        la_code,
        extract_date as as_at,
        version_sha256,
        extract_date = max(extract_date) over (partition by la_code) as is_newest
    from ranked
    where newest_first = 1
)

select * from final
