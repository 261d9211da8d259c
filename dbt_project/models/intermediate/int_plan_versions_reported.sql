{#- The version each (la_code, extract_date) reports child protection figures from: its newest
    accepted version that delivered CP plans (a CIN-named file, a CIN census XML or an Annex A List 7
    sheet). A folder holding only SSDA903 tables or an audit return makes no CP row; a correction
    replaces the earlier version from then on. The authority's latest such date is its newest
    accepted CP delivery, which restated CP figures use. -#}
with delivery_versions as (
    select * from {{ ref('stg_ledger__delivery_versions') }}
),

delivery_files as (
    select * from {{ ref('stg_ledger__delivery_files') }}
),

with_plans as (
    select distinct delivery_version_id
    from delivery_files
    where table_name = 'cin_cp_plans' and file_status = 'accepted'
),

accepted as (
    select delivery_versions.*
    from delivery_versions
    inner join with_plans on with_plans.delivery_version_id = delivery_versions.delivery_version_id
    where delivery_versions.version_status = 'accepted'
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
