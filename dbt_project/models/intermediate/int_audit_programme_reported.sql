{#- The audit programme each authority's month reports: the rows of the newest accepted delivery whose
    programme covers that month (latest extract date, then the latest received). A programme covers
    every month from its first planned month to its last, so a newer programme replaces the older one
    for those months, audits it no longer lists included, and leaves the older one's other months as
    they were (contract 1.5: the programme is reviewed every three months). -#}
with delivery_versions as (
    select * from {{ ref('stg_ledger__delivery_versions') }}
),

programme as (
    select * from {{ ref('stg_audits__programme') }}
),

accepted_programme as (
    select
        programme.*,
        delivery_versions.extract_date,
        delivery_versions.received_at
    from programme
    inner join delivery_versions on delivery_versions.delivery_version_id = programme.delivery_version_id
    where delivery_versions.version_status = 'accepted'
),

programmes_delivered as (
    select
        la_code,
        delivery_version_id,
        extract_date,
        received_at,
        min(planned_month) as first_month,
        max(planned_month) as last_month
    from accepted_programme
    group by la_code, delivery_version_id, extract_date, received_at
),

months_covered as (
    select
        programmes_delivered.la_code,
        programmes_delivered.delivery_version_id,
        programmes_delivered.extract_date,
        programmes_delivered.received_at,
        month_covered::date as planned_month
    from programmes_delivered
    cross join lateral generate_series(
        programmes_delivered.first_month, programmes_delivered.last_month, interval '1 month'
    ) as month_covered
),

newest_first as (
    select
        *,
        row_number() over (
            partition by la_code, planned_month
            order by extract_date desc, received_at desc, delivery_version_id desc
        ) as newest_first
    from months_covered
),

final as (
    select
        accepted_programme.la_code,
        accepted_programme.audit_theme,
        accepted_programme.planned_month,
        accepted_programme.delivery_version_id,
        accepted_programme.sample_size,
        accepted_programme.lead
    from accepted_programme
    inner join newest_first
        on newest_first.la_code = accepted_programme.la_code
        and newest_first.planned_month = accepted_programme.planned_month
        and newest_first.delivery_version_id = accepted_programme.delivery_version_id
    where newest_first.newest_first = 1
)

select * from final
