{#- The DfE return findings of each reported version, by rule, kept between runs: a week computes only
    the evaluations it adds (a new delivery, a correction, a rerun of the rules), so the cost of a build
    follows the week's new findings, not every finding ever kept. Records are flagged rows, children
    distinct child keys; new children fail the rule now and did not at the authority's previous as_at,
    resolved children did and do not now (null with no previous as_at). A rule with no failing record has
    no row. -#}
{{ config(
    pre_hook="{{ forget_unlisted_return_evaluations() }}",
    post_hook="{{ analyze_without_statistics() }}",
    indexes=[{'columns': ['delivery_version_id', 'return_type', 'rule_code'], 'unique': True}]
) }}

with evaluations as (
    {{ return_evaluations_to_compute() }}
),

errors as (
    select * from {{ ref('stg_returns__errors') }}
),

versions_to_read as (
    select delivery_version_id from evaluations
    union
    select previous_delivery_version_id from evaluations
    where previous_delivery_version_id is not null
),

-- Only these versions' findings, through dq.return_errors' index on delivery_version_id.
version_errors as materialized (
    select *
    from errors
    where delivery_version_id {{ in_versions('versions_to_read') }}
),

failing_now as (
    select
        evaluations.delivery_version_id,
        evaluations.return_type,
        version_errors.rule_code,
        version_errors.child_key
    from evaluations
    inner join version_errors
        on version_errors.delivery_version_id = evaluations.delivery_version_id
        and version_errors.return_type = evaluations.return_type
),

failing_before as (
    select
        evaluations.delivery_version_id,
        evaluations.return_type,
        version_errors.rule_code,
        version_errors.child_key
    from evaluations
    inner join version_errors
        on version_errors.delivery_version_id = evaluations.previous_delivery_version_id
        and version_errors.return_type = evaluations.return_type
),

-- Each child of each rule once, whether it fails now, failed before, or both: one aggregation, where
-- anti-joins planned before autovacuum has analyzed a week's new findings ran as nested loops for minutes.
children_compared as (
    select
        delivery_version_id,
        return_type,
        rule_code,
        child_key,
        bool_or(is_now) as is_failing_now,
        bool_or(not is_now) as was_failing_before
    from (
        select delivery_version_id, return_type, rule_code, child_key, true as is_now from failing_now
        union all
        select delivery_version_id, return_type, rule_code, child_key, false as is_now from failing_before
    ) as children
    where child_key is not null
    group by delivery_version_id, return_type, rule_code, child_key
),

child_counts as (
    select
        delivery_version_id,
        return_type,
        rule_code,
        count(*) filter (where is_failing_now and not was_failing_before) as new_children,
        count(*) filter (where was_failing_before and not is_failing_now) as resolved_children
    from children_compared
    group by delivery_version_id, return_type, rule_code
),

rule_counts as (
    select
        delivery_version_id,
        return_type,
        rule_code,
        count(*) as records,
        count(distinct child_key) as children
    from failing_now
    group by delivery_version_id, return_type, rule_code
),

final as (
    select
        evaluations.return_type,
        evaluations.la_code,
        evaluations.as_at,
        evaluations.delivery_version_id,
        evaluations.checked_at,
        evaluations.previous_delivery_version_id,
        evaluations.previous_checked_at,
        rule_counts.rule_code,
        coalesce(evaluations.rule_messages ->> rule_counts.rule_code, '') as rule_message,
        rule_counts.records,
        rule_counts.children,
        case
            when evaluations.previous_delivery_version_id is not null
                then coalesce(child_counts.new_children, 0)
        end as new_children,
        case
            when evaluations.previous_delivery_version_id is not null
                then coalesce(child_counts.resolved_children, 0)
        end as resolved_children
    from evaluations
    inner join rule_counts
        on rule_counts.delivery_version_id = evaluations.delivery_version_id
        and rule_counts.return_type = evaluations.return_type
    left join child_counts
        on child_counts.delivery_version_id = rule_counts.delivery_version_id
        and child_counts.return_type = rule_counts.return_type
        and child_counts.rule_code = rule_counts.rule_code
)

select * from final
