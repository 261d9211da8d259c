{#- None of these columns is ever null: a row with a null in any of them fails. One test per model
    rather than dbt's not_null per column, since each test is a node of the weekly `dbt build`, and a
    node costs a connection and some tens of milliseconds whatever it checks (issue 15): the same
    checks, one scan, a fifth of the nodes. -#}
{% test not_null_columns(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
where {% for column in columns %}{{ column }} is null{{ " or " if not loop.last }}{% endfor %}
{% endtest %}
