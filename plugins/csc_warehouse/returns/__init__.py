"""The DfE's return rules on every delivery version (issue 17), run by the community's validators.

Councils check their annual SSDA903 and CIN returns with csc-validator-be-903 (`lac_validator`) and
csc-validator-be-cin (`cin_validator`), which hold every DfE rule by collection year. They pin pandas<2,
so they live in an environment of their own (.venv-validators, CSC_VALIDATORS_PYTHON), and this
package is the part of the project that runs there: it imports only the standard library, psycopg,
pyyaml, the validators and the stdlib-only parts of csc_warehouse (settings, statuses, tables,
handoffs, warehouse). Nothing in the main environment imports `check` or `ssda903.run_rules`.

- years: the collection year of an extract and the ruleset that checks it;
- authorities: the validators' localAuthority (ONS code) from the DfE code;
- findings: what a return's rules found, whichever the return;
- ssda903: a version's SSDA903 tables read back from raw as delivered, and the rules run on them;
- cin: a version's CIN census, kept whole by the door (raw.cin_census_files), and the rules run on it;
- check: one version checked against each return it delivered, its findings written to dq.return_checks
  and dq.return_errors.

`python -m csc_warehouse.returns.run VERSION_ID [...]` checks versions from a shell, one JSON line per
version and return.
"""
