{#- Looked-after children per authority, as_at and legal status: each child counted once, under
    the LS of their open episode with the latest start, so the rows of an as_at sum to
    lac_weekly.children_looked_after (and to children_looked_after_restated). Both bases are
    evaluations in history.lac_figures: the as_at's own version, and the authority's newest one. -#}
with evaluations as (
    select * from {{ ref('int_evaluations_listed') }}
    where figures = 'LAC'
),

figures as (
    select * from {{ ref('lac_figures') }}
),

legal_status_counts as (
    select
        evaluations.la_code,
        evaluations.as_at,
        evaluations.is_restated,
        counts.legal_status,
        counts.children
    from evaluations
    inner join figures
        on figures.delivery_version_id = evaluations.delivery_version_id
        and figures.as_at = evaluations.as_at
    cross join lateral jsonb_to_recordset(figures.children_by_legal_status)
        as counts (legal_status text, children bigint)
),

final as (
    select
        la_code,
        as_at,
        legal_status,
        coalesce(sum(children) filter (where not is_restated), 0)::bigint as children_looked_after,
        coalesce(sum(children) filter (where is_restated), 0)::bigint as children_looked_after_restated
    from legal_status_counts
    group by la_code, as_at, legal_status
)

select * from final
