"""The Children in Need census tables: child protection plans (contract 1.2), referrals, assessments,
CIN plans and section 47 enquiries (contract 1.4)."""

from __future__ import annotations

from importlib import resources
from xml.etree import ElementTree

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

# -- children in need (contract 1.4) -----------------------------------------------------------------
# The rest of the census, one table per element: a referral (<CINdetails>) is (la_code, child,
# CINreferralDate); an assessment, a CIN plan and a section 47 enquiry are their child, referral and
# start date. The code lists the door checks are the census schema's own enumerations, read from
# specs/CIN_schema_2026.xsd (the DfE CIN census schema as liia-tools-pipeline keeps it): one home.
CIN_SCHEMA = "CIN_schema_2026.xsd"
XSD = "{http://www.w3.org/2001/XMLSchema}"
# The census writes these 0/1 (its yesnotype); extracts and Annex A write true/false (any case).
YES_NO_CODES = codes("TRUE", "FALSE", "1", "0")


def census_codes(type_name: str) -> frozenset[str]:
    """The values the CIN census schema lists for one of its simple types (e.g. referralsourcetype)."""
    text = (resources.files("csc_warehouse") / "readers" / "specs" / CIN_SCHEMA).read_bytes()
    for simple_type in ElementTree.fromstring(text).iter(f"{XSD}simpleType"):
        if simple_type.get("name") == type_name:
            return frozenset(e.get("value").upper() for e in simple_type.iter(f"{XSD}enumeration"))
    raise LookupError(f"{CIN_SCHEMA} has no simple type {type_name}")


# Annex A names only the group of some referral sources (individual, health services, LA services):
# the group's number (1, 3, 5: the census code without its letter) is a referral source too.
REFERRAL_SOURCE_CODES = census_codes("referralsourcetype") | {
    code.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for code in census_codes("referralsourcetype")
}
PRIMARY_NEED_CODES = census_codes("primaryneedcodetype")
REASON_FOR_CLOSURE_CODES = census_codes("reasonforclosuretype")

CIN_REFERRALS = TableSpec(
    name="cin_referrals",
    title="Referrals",
    source="cin",
    columns=(
        "LACHILDID",
        "CINREFERRALDATE",
        "REFERRALSOURCE",
        "PRIMARYNEEDCODE",
        "CINCLOSUREDATE",
        "REASONFORCLOSURE",
        "REFERRALNFA",
    ),
    required=("LACHILDID", "CINREFERRALDATE"),
    dates=("CINREFERRALDATE", "CINCLOSUREDATE"),
    ids=("LACHILDID",),
    codes={
        "REFERRALSOURCE": REFERRAL_SOURCE_CODES,
        "PRIMARYNEEDCODE": PRIMARY_NEED_CODES,
        "REASONFORCLOSURE": REASON_FOR_CLOSURE_CODES,
        "REFERRALNFA": YES_NO_CODES,
    },
    not_blank=("LACHILDID", "CINREFERRALDATE"),
    one_row_per=("LACHILDID", "CINREFERRALDATE"),
    one_row_label="referral",
    # Annex A gives referrals in two lists (3: referrals, 6: children in need), a referral in both:
    # each list is a source, one row per referral within it; staging keeps one row per referral.
    many_sources=True,
)

CIN_ASSESSMENTS = TableSpec(
    name="cin_assessments",
    title="Assessments",
    source="cin",
    columns=(
        "LACHILDID",
        "CINREFERRALDATE",
        "ASSESSMENTACTUALSTARTDATE",
        "ASSESSMENTINTERNALREVIEWDATE",
        "ASSESSMENTAUTHORISATIONDATE",
        "ASSESSMENTFACTORS",  # the factor codes joined with ","
    ),
    required=("LACHILDID", "ASSESSMENTACTUALSTARTDATE"),
    dates=(
        "CINREFERRALDATE",
        "ASSESSMENTACTUALSTARTDATE",
        "ASSESSMENTINTERNALREVIEWDATE",
        "ASSESSMENTAUTHORISATIONDATE",
    ),
    ids=("LACHILDID",),
    not_blank=("LACHILDID", "CINREFERRALDATE", "ASSESSMENTACTUALSTARTDATE"),
    one_row_per=("LACHILDID", "CINREFERRALDATE", "ASSESSMENTACTUALSTARTDATE"),
    one_row_label="assessment",
)

CIN_PLANS = TableSpec(
    name="cin_plans",
    title="CIN plans",
    source="cin",
    columns=("LACHILDID", "CINREFERRALDATE", "CINPLANSTARTDATE", "CINPLANENDDATE"),
    required=("LACHILDID", "CINPLANSTARTDATE"),
    dates=("CINREFERRALDATE", "CINPLANSTARTDATE", "CINPLANENDDATE"),
    ids=("LACHILDID",),
    not_blank=("LACHILDID", "CINREFERRALDATE", "CINPLANSTARTDATE"),
    one_row_per=("LACHILDID", "CINREFERRALDATE", "CINPLANSTARTDATE"),
    one_row_label="plan",
)

CIN_SECTION47 = TableSpec(
    name="cin_section47",
    title="Section 47 enquiries",
    source="cin",
    columns=(
        "LACHILDID",
        "CINREFERRALDATE",
        "S47ACTUALSTARTDATE",
        "INITIALCPCTARGET",
        "DATEOFINITIALCPC",
        "ICPCNOTREQUIRED",
    ),
    required=("LACHILDID", "S47ACTUALSTARTDATE"),
    dates=("CINREFERRALDATE", "S47ACTUALSTARTDATE", "INITIALCPCTARGET", "DATEOFINITIALCPC"),
    ids=("LACHILDID",),
    codes={"ICPCNOTREQUIRED": YES_NO_CODES},
    not_blank=("LACHILDID", "CINREFERRALDATE", "S47ACTUALSTARTDATE"),
    one_row_per=("LACHILDID", "CINREFERRALDATE", "S47ACTUALSTARTDATE"),
    one_row_label="enquiry",
)
