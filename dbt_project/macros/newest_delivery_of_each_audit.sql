{#- The newest accepted delivery of each audit (authority, theme, audit period) among `accepted`'s rows
    (which carry the version's extract_date and received_at): the latest extract date, then the latest
    received. A delivery replaces the earlier ones for the audits it holds, and only those: the answers
    and the action plans alike. -#}
{% macro newest_delivery_of_each_audit(accepted) -%}
    select la_code, audit_theme, audit_period, delivery_version_id
    from (
        select
            deliveries.*,
            row_number() over (
                partition by la_code, audit_theme, audit_period
                order by extract_date desc, received_at desc, delivery_version_id desc
            ) as newest_first
        from (
            select distinct la_code, audit_theme, audit_period, delivery_version_id, extract_date, received_at
            from {{ accepted }}
        ) as deliveries
    ) as ranked
    where newest_first = 1
{%- endmacro %}
