"""Closed value sets that the tool listing names instead of spelling out.

Attio's country codes are 252 values, over 1,200 characters each time a schema holds them (eight
times across the Attio tools). The standard's name says the same in a few words. Only the listing
changes: the generated model still checks every value, so a wrong code is refused and the error
names the allowed ones. A set is named only when it is exactly the standard's codes plus a few
extras, which the description lists; a document whose list changes otherwise is spelled out again.
"""

from __future__ import annotations

from typing import Any

# ISO 3166-1 alpha-2: the 249 officially assigned codes (as tzdata's iso3166.tab lists them).
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
"""
ISO_3166_ALPHA2 = frozenset(_ISO_CODES.split())
MAX_EXTRAS = 5


def named_form(values: Any) -> dict[str, str] | None:
    """The short listing of a closed set (`pattern` and `description`), or None to list it in full.
    A null among the values stays allowed through the schema's type."""
    if not isinstance(values, list):
        return None
    codes = {v for v in values if v is not None}
    if not all(isinstance(v, str) for v in codes) or not codes >= ISO_3166_ALPHA2:
        return None
    extras = sorted(codes - ISO_3166_ALPHA2)
    if len(extras) > MAX_EXTRAS or not all(len(v) == 2 and v.isupper() for v in extras):
        return None
    also = f", or {', '.join(extras)}" if extras else ""
    return {"pattern": "^[A-Z]{2}$", "description": f"ISO 3166-1 alpha-2 country code{also}."}
