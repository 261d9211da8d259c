{#- A seed's post-hook: write the sha256 dbt computed for the seed's file into its table's comment, so
    that a later build can tell the table already holds the file as it is and leave the seed out
    (csc_warehouse.seeds, which reads this comment as seeds.comment_of_file writes it): loading
    bank_holidays_england again cost half a second of every weekly build, for a file that changes
    once a year at most. -#}
{% macro record_seed_file() -%}
    comment on table {{ this }} is 'seed file sha256 {{ model.checksum.checksum }}'
{%- endmacro %}
