{#- A census yes/no (ReferralNFA, ICPCnotRequired) as a boolean: the door lets in true/false and 1/0 in
    any case (tables.cin.YES_NO_CODES); true for TRUE or 1, false for FALSE or 0, null when blank. -#}
{% macro is_yes(column) -%}
    raw.clean_code({{ column }}) in ('TRUE', '1')
{%- endmacro %}
