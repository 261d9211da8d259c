{#- A model's post-hook: analyze the table when it has no statistics, that is when this run made it
    (a table model every run; an incremental model on its first run or a full refresh), so the models
    reading it are not planned blind before autovacuum visits it. An incremental table that a weekly
    run only appended to keeps its statistics: analyzing all of history every week cost more than
    the week's own work (1.8 s of statements in a weekly build at 500,000 episodes, issue 15), and
    autovacuum analyzes it again once a tenth of it has changed. -#}
{% macro analyze_without_statistics() -%}
    do $$
    begin
        if not exists (
            select from pg_stats where schemaname = '{{ this.schema }}' and tablename = '{{ this.identifier }}'
        ) then
            analyze {{ this }};
        end if;
    end
    $$
{%- endmacro %}
