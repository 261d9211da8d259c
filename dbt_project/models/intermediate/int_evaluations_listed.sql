{#- The evaluations the weekly figures need, one per figures, authority, as_at and basis: a delivery
    version read at an as_at. Reported figures read each as_at's own version at that as_at; restated
    figures read the authority's newest version at each as_at it has reported. A figure depends on
    nothing but its evaluation, so the history models compute each evaluation once and keep it while
    it is listed here. Looked-after (LAC), child protection (CP) and children-in-need (CIN) figures have versions of their own. -#}
with versions as (
    select figures, la_code, as_at, delivery_version_id, is_newest from {{ ref('int_versions_reported') }}
),

newest as (
    select * from versions
    where is_newest
),

reported as (
    select figures, la_code, as_at, false as is_restated, delivery_version_id from versions
),

restated as (
    select
        versions.figures,
        versions.la_code,
        versions.as_at,
        true as is_restated,
        newest.delivery_version_id
    from versions
    inner join newest on newest.figures = versions.figures and newest.la_code = versions.la_code
),

final as (
    select * from reported
    union all
    select * from restated
)

select * from final
