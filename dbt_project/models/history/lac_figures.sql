{#- Looked-after figures for each evaluation (a delivery version read at an as_at), kept between runs:
    a new week or a correction for one authority computes only the evaluations it adds, and
    evaluations no longer listed are deleted after each run (forget_unlisted_evaluations). Definitions
    as in the data contract: open on d = start <= d and (end is null or end > d); the week of as_at =
    as_at - 6 .. as_at; V3/V4 short breaks left out; a child in two open records counted once, under
    the record with the latest start (then the later source row); starts are RNE = S, ceasings have a
    DEC and a REC other than X1, both counted as episodes. Children turning 18: their 18th birthday is
    after as_at and no later than the end of the fifth calendar month after as_at's month; 29 February
    births turn 18 on 1 March. -#}
{{ config(post_hook=["{{ forget_unlisted_evaluations('LAC') }}", "{{ analyze_without_statistics() }}"]) }}

with evaluations as (
    {{ evaluations_to_compute('LAC') }}
),

episodes as (
    select * from {{ ref('stg_ssda903__episodes') }}
),

headers as (
    select * from {{ ref('stg_ssda903__header') }}
),

versions_to_compute as (
    select distinct delivery_version_id from evaluations
),

-- Only these versions' rows (in_versions says how they are found), materialized so that the filters
-- below do not reach back into the scan of raw.
version_episodes as materialized (
    select *
    from episodes
    where delivery_version_id {{ in_versions('versions_to_compute') }}
),

version_headers as materialized (
    select *
    from headers
    where delivery_version_id {{ in_versions('versions_to_compute') }}
),

evaluated_episodes as (
    select
        evaluations.as_at,
        episodes.delivery_version_id,
        episodes.child_id,
        episodes.source_row,
        episodes.episode_start_date,
        episodes.episode_end_date,
        episodes.reason_new_episode,
        episodes.legal_status,
        episodes.reason_episode_ceased
    from evaluations
    inner join version_episodes as episodes on episodes.delivery_version_id = evaluations.delivery_version_id
    where episodes.legal_status not in ('V3', 'V4')
),

open_on_as_at as (
    select *
    from evaluated_episodes
    where episode_start_date <= as_at
        and (episode_end_date is null or episode_end_date > as_at)
),

latest_start_first as (
    select
        *,
        row_number() over (
            partition by delivery_version_id, as_at, child_id
            order by episode_start_date desc, source_row desc
        ) as latest_first
    from open_on_as_at
),

looked_after_children as (
    select
        latest_start_first.delivery_version_id,
        latest_start_first.as_at,
        latest_start_first.legal_status,
        headers.birth_date
    from latest_start_first
    left join version_headers as headers
        on headers.delivery_version_id = latest_start_first.delivery_version_id
        and headers.child_id = latest_start_first.child_id
    where latest_start_first.latest_first = 1
),

looked_after as (
    select delivery_version_id, as_at, count(*) as children_looked_after
    from looked_after_children
    group by delivery_version_id, as_at
),

starts as (
    select delivery_version_id, as_at, count(*) as lac_starts
    from evaluated_episodes
    where reason_new_episode = 'S'
        and episode_start_date between as_at - 6 and as_at
    group by delivery_version_id, as_at
),

ceased as (
    select delivery_version_id, as_at, count(*) as lac_ceased
    from evaluated_episodes
    where episode_end_date between as_at - 6 and as_at
        and reason_episode_ceased is not null
        and reason_episode_ceased <> 'X1'
    group by delivery_version_id, as_at
),

legal_status_counts as (
    select delivery_version_id, as_at, legal_status, count(*) as children
    from looked_after_children
    group by delivery_version_id, as_at, legal_status
),

by_legal_status as (
    select
        delivery_version_id,
        as_at,
        jsonb_agg(
            jsonb_build_object('legal_status', legal_status, 'children', children) order by legal_status
        ) as children_by_legal_status
    from legal_status_counts
    group by delivery_version_id, as_at
),

birthdays as (
    select
        delivery_version_id,
        as_at,
        case
            when extract(month from birth_date) = 2 and extract(day from birth_date) = 29
                then make_date(extract(year from birth_date)::int + 18, 3, 1)
            else (birth_date + interval '18 years')::date
        end as eighteenth_birthday,
        (date_trunc('month', as_at) + interval '6 months' - interval '1 day')::date as window_end_date
    from looked_after_children
    where birth_date is not null
),

turning_18_counts as (
    select
        delivery_version_id,
        as_at,
        date_trunc('month', eighteenth_birthday)::date as month_turning_18,
        count(*) as children
    from birthdays
    where eighteenth_birthday > as_at
        and eighteenth_birthday <= window_end_date
    group by delivery_version_id, as_at, date_trunc('month', eighteenth_birthday)::date
),

by_month_turning_18 as (
    select
        delivery_version_id,
        as_at,
        jsonb_agg(
            jsonb_build_object('month_turning_18', month_turning_18, 'children', children)
            order by month_turning_18
        ) as children_by_month_turning_18
    from turning_18_counts
    group by delivery_version_id, as_at
),

final as (
    select
        evaluations.la_code,
        evaluations.as_at,
        evaluations.delivery_version_id,
        coalesce(looked_after.children_looked_after, 0) as children_looked_after,
        coalesce(starts.lac_starts, 0) as lac_starts,
        coalesce(ceased.lac_ceased, 0) as lac_ceased,
        coalesce(by_legal_status.children_by_legal_status, '[]'::jsonb) as children_by_legal_status,
        coalesce(by_month_turning_18.children_by_month_turning_18, '[]'::jsonb) as children_by_month_turning_18
    from evaluations
    left join looked_after
        on looked_after.delivery_version_id = evaluations.delivery_version_id
        and looked_after.as_at = evaluations.as_at
    left join starts
        on starts.delivery_version_id = evaluations.delivery_version_id
        and starts.as_at = evaluations.as_at
    left join ceased
        on ceased.delivery_version_id = evaluations.delivery_version_id
        and ceased.as_at = evaluations.as_at
    left join by_legal_status
        on by_legal_status.delivery_version_id = evaluations.delivery_version_id
        and by_legal_status.as_at = evaluations.as_at
    left join by_month_turning_18
        on by_month_turning_18.delivery_version_id = evaluations.delivery_version_id
        and by_month_turning_18.as_at = evaluations.as_at
)

select * from final
