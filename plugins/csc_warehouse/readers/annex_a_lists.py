"""What the Ofsted Annex A lists 3 to 7 become: rows of the CIN tables (contracts 1.2, 1.4), column by
column, their lettered values as the CIN census codes.

    List 3 (referrals) -> Referrals          Child Unique ID -> LAchildID, Date of Referral ->
                                             CINreferralDate, Referral Source, Referral NFA?
    List 4 (assessments) -> Assessments      Continuous Assessment Start Date -> AssessmentActualStartDate,
                                             Continuous Assessment Date of Authorisation -> AssessmentAuthorisationDate
    List 5 (section 47 enquiries) ->         Strategy discussion initiating Section 47 Enquiry Start Date ->
      Section 47 enquiries                   S47ActualStartDate, Was an Initial Child Protection Conference
                                             deemed unnecessary? -> ICPCnotRequired, Date of Initial Child
                                             Protection Conference -> DateOfInitialCPC
    List 6 (children in need) -> Referrals   CIN Start Date -> CINreferralDate (a child's CIN episode starts
                                             at its referral), Primary Need Code, CIN Closure Date, Reason for Closure
    List 7 (child protection plans) -> CP plans, as annex_a.py says

Lists 3 and 6 both give referrals: a referral in both is a row in each source, each with the columns
its list has (staging takes one row per referral). Lists 4 and 5 say nothing of the referral, so
their rows have no CINreferralDate. The other columns (age, disability, team, worker...) are not loaded.

Annex A writes codes as its guidance's letters ("a) Individual", "d) Family in acute stress"), and
authorities in many other ways; the schema lists the spellings seen for each letter. A value is
translated to its CIN code: the code its own spelling names when it starts with one ("j) 3D: Health
services" is 3D, "RC9 - Case closed..." RC9), else its letter's code. Annex A's referral source
letters for individuals, health services and LA services name only the group, which is kept as the
group's number (1, 3, 5). A spelling the schema does not know and that names no code is kept as
delivered, so that the door names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from csc_warehouse import tables
from csc_warehouse.tables import TableSpec

CHILD_ID = {"Child Unique ID": "LACHILDID"}
YES_NO = {True: "TRUE", False: "FALSE"}  # the schema's codes of a yes/no column are booleans
# The guidance letter of each Annex A category -> the CIN census code it means (None: no code).
REFERRAL_SOURCE_LETTERS = {
    **{"a": "1", "b": "2A", "c": "2B", "d": "3", "e": "4", "f": "5"},
    **{"g": "6", "h": "7", "i": "8", "j": "9", "k": "10"},
}
PRIMARY_NEED_LETTERS = {
    **{"a": "N1", "b": "N2", "c": "N3", "d": "N4", "e": "N5"},
    **{"f": "N6", "g": "N7", "h": "N8", "i": "N9", "j": "N0"},
}
# h) "Child not in need after assessment" is RC8 or RC9; its spellings that say RC9 are RC9.
CLOSURE_LETTERS = {
    **{"a": "RC1", "b": "RC2", "c": "RC3", "d": "RC4", "e": "RC5"},
    **{"f": "RC6", "g": "RC7", "h": "RC8", "i": None},
}
CATEGORY_LETTERS = {"a": "NEG", "b": "PHY", "c": "SAB", "d": "EMO", "e": "MUL"}
# A code written at the start of a spelling, after an optional guidance letter: "j) 3D: Health services".
NAMED_CODE = re.compile(r"^\s*(?:[a-z]\d?\)\s*)?([0-9a-z]+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ListTable:
    """An Annex A list read as a table: which of its columns are kept, as which canonical column, and
    how each lettered column's values become CIN codes."""

    number: int
    table: TableSpec
    columns: dict[str, str]  # Annex A column (as the schema names it) -> canonical column
    letters: dict[str, dict] = field(default_factory=dict)  # Annex A column -> {letter: CIN code}

    def codes(self, column: str) -> frozenset[str]:
        """The CIN codes a lettered column's spelling may name for itself."""
        return self.table.codes.get(self.columns[column], frozenset())


LIST_TABLES = {
    3: ListTable(
        3,
        tables.CIN_REFERRALS,
        CHILD_ID
        | {
            "Date of referral": "CINREFERRALDATE",
            "Referral Source": "REFERRALSOURCE",
            "Referral NFA?": "REFERRALNFA",
        },
        {"Referral Source": REFERRAL_SOURCE_LETTERS, "Referral NFA?": YES_NO},
    ),
    4: ListTable(
        4,
        tables.CIN_ASSESSMENTS,
        CHILD_ID
        | {
            "Continuous Assessment Start Date": "ASSESSMENTACTUALSTARTDATE",
            "Continuous Assessment Date of Authorisation": "ASSESSMENTAUTHORISATIONDATE",
        },
    ),
    5: ListTable(
        5,
        tables.CIN_SECTION47,
        CHILD_ID
        | {
            "Strategy discussion initiating Section 47 Enquiry Start Date": "S47ACTUALSTARTDATE",
            "Was an Initial Child Protection Conference deemed unnecessary?": "ICPCNOTREQUIRED",
            "Date of Initial Child Protection Conference": "DATEOFINITIALCPC",
        },
        {"Was an Initial Child Protection Conference deemed unnecessary?": YES_NO},
    ),
    6: ListTable(
        6,
        tables.CIN_REFERRALS,
        CHILD_ID
        | {
            "CIN Start Date": "CINREFERRALDATE",
            "Primary Need Code": "PRIMARYNEEDCODE",
            "CIN Closure Date": "CINCLOSUREDATE",
            "Reason for Closure": "REASONFORCLOSURE",
        },
        {"Primary Need Code": PRIMARY_NEED_LETTERS, "Reason for Closure": CLOSURE_LETTERS},
    ),
    7: ListTable(
        7,
        tables.CIN_CP_PLANS,
        CHILD_ID
        | {
            "Date of Birth": "PERSONBIRTHDATE",
            "Gender": "SEX",
            "Ethnicity": "ETHNICITY",
            "Child Protection Plan Start Date": "CPPSTARTDATE",
            "Child Protection Plan End Date": "CPPENDDATE",
            "Initial Category of Abuse": "INITIALCATEGORYOFABUSE",
            "Latest Category of Abuse": "LATESTCATEGORYOFABUSE",
            "Number of Previous Child Protection Plans": "NUMBEROFPREVIOUSCPP",
        },
        {"Initial Category of Abuse": CATEGORY_LETTERS, "Latest Category of Abuse": CATEGORY_LETTERS},
    ),
}


def named_code(spelling: str, codes: frozenset[str]) -> str | None:
    """The CIN code a spelling starts with ("N4 - Family in acute stress" is N4), if any."""
    match = NAMED_CODE.match(spelling)
    code = match.group(1).upper() if match else None
    return code if code in codes else None


def letter_code(category: object, letters: dict) -> tuple[bool, str | None]:
    """(known, CIN code) of a schema category: "d) Family in acute stress" is d's code; True is TRUE."""
    if isinstance(category, bool):
        return category in letters, letters.get(category)
    letter = str(category).strip()[:1].lower()
    return letter in letters, letters.get(letter)
