{#- The version each (figures, la_code, extract_date) is reported from: its newest accepted version
    that delivered the table those figures are counted from, SSDA903 Episodes for looked-after
    figures (LAC), CP plans for child protection figures (CP: a CIN-named file, a CIN census XML or an
    Annex A List 7 sheet), referrals for children-in-need figures (CIN: a CIN census XML, which gives
    every table of the census even when empty, or an Annex A List 3 sheet). A folder holding only CP
    plans, only SSDA903 tables or only an audit return makes no row for the other figures. A correction (different bytes for the same folder) replaces
    the earlier version from then on. The authority's latest such date is its newest accepted
    delivery of those figures, which restated figures use. -#}
with delivery_versions as (
    select * from {{ ref('stg_ledger__delivery_versions') }}
),

delivery_files as (
    select * from {{ ref('stg_ledger__delivery_files') }}
),

figures_tables (figures, table_name) as (
    values ('LAC', 'ssda903_episodes'), ('CP', 'cin_cp_plans'), ('CIN', 'cin_referrals')
),

versions_with_figures as (
    select distinct
        figures_tables.figures,
        delivery_files.delivery_version_id
    from delivery_files
    inner join figures_tables on figures_tables.table_name = delivery_files.table_name
    where delivery_files.file_status = 'accepted'
),

accepted as (
    select
        versions_with_figures.figures,
        delivery_versions.*
    from delivery_versions
    inner join versions_with_figures
        on versions_with_figures.delivery_version_id = delivery_versions.delivery_version_id
    where delivery_versions.version_status = 'accepted'
),

ranked as (
    select
        *,
        row_number() over (
            partition by figures, la_code, extract_date
            order by received_at desc, delivery_version_id desc
        ) as newest_first
    from accepted
),

final as (
    select
        figures,
        delivery_version_id,
        la_code,
        extract_date as as_at,
        version_sha256,
        extract_date = max(extract_date) over (partition by figures, la_code) as is_newest
    from ranked
    where newest_first = 1
)

select * from final
