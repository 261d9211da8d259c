"""The Children in Need census tables: child protection plans (contract 1.2)."""

from __future__ import annotations

from csc_warehouse.tables.spec import TableSpec, codes

# -- child protection plans (contract 1.2) ----------------------------------------------------------
# One row per plan, with the Children in Need census names (upper case here, as every canonical name
# is; the raw columns are the same names in lower case). The CIN census XML and the Annex A List 7
# sheet are read into the same columns (readers/cin_xml.py, readers/annex_a.py). A plan is (la_code,
# child, CPPstartDate): two rows for one plan are a door finding, as two Header rows for one child are.
CATEGORY_OF_ABUSE_CODES = codes("NEG", "PHY", "SAB", "EMO", "MUL")

CIN_CP_PLANS = TableSpec(
    name="cin_cp_plans",
    title="CP plans",
    source="cin",
    columns=(
        "LACHILDID",
        "PERSONBIRTHDATE",
        "SEX",
        "ETHNICITY",
        "CPPSTARTDATE",
        "CPPENDDATE",
        "INITIALCATEGORYOFABUSE",
        "LATESTCATEGORYOFABUSE",
        "NUMBEROFPREVIOUSCPP",
    ),
    required=("LACHILDID", "CPPSTARTDATE", "CPPENDDATE", "LATESTCATEGORYOFABUSE"),
    dates=("PERSONBIRTHDATE", "CPPSTARTDATE", "CPPENDDATE"),
    ids=("LACHILDID",),
    # A blank category is the gate's business (CIN rules 8905/8910, warn): it does not change who is on a plan.
    codes={"INITIALCATEGORYOFABUSE": CATEGORY_OF_ABUSE_CODES, "LATESTCATEGORYOFABUSE": CATEGORY_OF_ABUSE_CODES},
    not_blank=("LACHILDID", "CPPSTARTDATE"),
    one_row_per=("LACHILDID", "CPPSTARTDATE"),
    one_row_label="plan",
)
