"""The national-scale history `scripts/bench_dbt.py` times dbt on, made inside PostgreSQL.

true_history draws each authority's children, episodes and plans; deliveries cuts the weekly
deliveries from them (into raw and the ledger, or as files); figures says what came out. The SQL
is in sql/, one file per statement, read by queries.
"""
