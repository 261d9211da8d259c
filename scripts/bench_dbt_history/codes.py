"""The codes the generated history draws from, each repeated to weight it roughly as it occurs.

No Z1, K3 or Z11-Z14: their collection years differ, and a delivery gate warning about them would
be noise here.
"""

FIRST_LEGAL_STATUSES = ["C2"] * 6 + ["C1"] * 2 + ["V2"] * 3 + ["L1"] * 2 + "E1 D1 J1 J2 J3 L2 L3 V3 V4".split()
AFTER_PROTECTION_LEGAL_STATUSES = ["L2", "C2", "C2", "C2", "V2", "V2"]
LATER_LEGAL_STATUSES = ["C2"] * 4 + ["C1"] * 2 + ["V2"] * 2 + ["E1", "D1", "J2"]
RETURNED_HOME = ["E4A", "E4A", "E13", "E4B"]
PERIOD_ENDS = (
    ["E4A"] * 4
    + ["E13"] * 2
    + ["E8"] * 2
    + ["E5"] * 2
    + "E4B E11 E12 E41 E45 E46 E47 E48 E17 E3 E6 E7 E9 E14 E15 E16".split()
)
AGED_18 = ["E17", "E5", "E8"]
PLACEMENTS = (
    ["U1"] * 3
    + ["U4"] * 2
    + ["U3"] * 2
    + ["K2"] * 2
    + "U2 U5 U6 R1 S1 P1 P2 H5 A3 A4 A5 A6 T0 T1 T2 T3 T4 R2 R3 R5 K1 P3".split()
)
PROVIDERS = ["PR1"] * 4 + ["PR4"] * 2 + ["PR0", "PR2", "PR3", "PR5"]
NEEDS = ["N1"] * 5 + ["N4"] * 2 + ["N5"] * 2 + ["N2", "N3", "N6", "N7", "N8"]
PLACEMENT_CHANGE_REASONS = ["CARPL", "CARPL", "LAREQ", "PLACE", "CHILD", "ALLEG", "STAND", "OTHER"]
ETHNICITIES = (
    ["WBRI"] * 8
    + ["WOTH"] * 2
    + ["BAFR"] * 2
    + "WIRI WIRT MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BOTH CHNE OOTH REFU NOBT".split()
)
POSTCODE_AREAS = "N E SE SW NW W B M L LS S BS NE CF NG LE".split()
ABUSE_CATEGORIES = ["NEG"] * 10 + ["EMO"] * 7 + ["PHY", "PHY", "SAB", "MUL"]
