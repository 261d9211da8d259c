{#- The contract's pseudonymous child key: lower-case hex HMAC-SHA256 of la_code || ':' || id (id
    trimmed, upper-cased, a trailing .0 dropped). The key never passes through dbt: this renders a
    call to keys.child_key (migration 004), which reads it inside PostgreSQL, so it cannot reach
    compiled SQL, run artefacts or logs. -#}
{% macro child_key(la_code, child_id) -%}
    keys.child_key({{ la_code }}, {{ child_id }})
{%- endmacro %}
