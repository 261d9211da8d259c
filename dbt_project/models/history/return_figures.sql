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

children_now as (
    select distinct delivery_version_id, return_type, rule_code, child_key
    from failing_now
    where child_key is not null
),

children_before as (
    select distinct
        evaluations.delivery_version_id,
        evaluations.return_type,
        version_errors.rule_code,
        version_errors.child_key
    from evaluations
    inner join version_errors
        on version_errors.delivery_version_id = evaluations.previous_delivery_version_id
        and version_errors.return_type = evaluations.return_type
    where version_errors.child_key is not null
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

new_children as (
    select
        children_now.delivery_version_id,
        children_now.return_type,
        children_now.rule_code,
        count(*) as new_children
    from children_now
    left join children_before
        on children_before.delivery_version_id = children_now.delivery_version_id
        and children_before.return_type = children_now.return_type
        and children_before.rule_code = children_now.rule_code
        and children_before.child_key = children_now.child_key
    where children_before.child_key is null
    group by children_now.delivery_version_id, children_now.return_type, children_now.rule_code
),

resolved_children as (
    select
        children_before.delivery_version_id,
        children_before.return_type,
        children_before.rule_code,
        count(*) as resolved_children
    from children_before
    left join children_now
        on children_now.delivery_version_id = children_before.delivery_version_id
        and children_now.return_type = children_before.return_type
        and children_now.rule_code = children_before.rule_code
        and children_now.child_key = children_before.child_key
    where children_now.child_key is null
    group by children_before.delivery_version_id, children_before.return_type, children_before.rule_code
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
                then coalesce(new_children.new_children, 0)
        end as new_children,
        case
            when evaluations.previous_delivery_version_id is not null
                then coalesce(resolved_children.resolved_children, 0)
        end as resolved_children
    from evaluations
    inner join rule_counts
        on rule_counts.delivery_version_id = evaluations.delivery_version_id
        and rule_counts.return_type = evaluations.return_type
    left join new_children
        on new_children.delivery_version_id = rule_counts.delivery_version_id
        and new_children.return_type = rule_counts.return_type
        and new_children.rule_code = rule_counts.rule_code
    left join resolved_children
        on resolved_children.delivery_version_id = rule_counts.delivery_version_id
        and resolved_children.return_type = rule_counts.return_type
        and resolved_children.rule_code = rule_counts.rule_code
)

select * from final
