"""Parse United Nations resolution symbols from the forms found in documents.

Accepted (whitespace and full-width digits tolerated):
- Security Council: `S/RES/2709 (2023)`, `S/RES/2709(2023)`, `resolution 2709 (2023)`,
  `安全理事会第2709(2023)号决议`, `安理会第2709（2023）号决议`, `第2709(2023)号决议`
- General Assembly: `A/RES/79/296`, `A/RES/ES-10/21`
The canonical form is `S/RES/2709 (2023)` or `A/RES/79/296`.
"""

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class ResolutionSymbol:
    organ: str  # "S" (Security Council) or "A" (General Assembly)
    number: int
    year: int | None = None  # Security Council resolutions carry the adoption year
    session: str | None = None  # General Assembly: session ("79", "ES-10")

    @property
    def canonical(self) -> str:
        if self.organ == "S":
            return f"S/RES/{self.number} ({self.year})"
        return f"A/RES/{self.session}/{self.number}"


_SC_PATTERNS = (
    re.compile(r"^S\s*/\s*RES\s*/\s*(?P<number>\d{1,5})\s*\(\s*(?P<year>\d{4})\s*\)$", re.I),
    re.compile(
        r"^(?:(?:Security Council )?resolution\s+)(?P<number>\d{1,5})\s*\(\s*(?P<year>\d{4})\s*\)$",
        re.I,
    ),
    re.compile(
        r"^(?:安全理事会|安理会)?第\s*(?P<number>\d{1,5})\s*\(\s*(?P<year>\d{4})\s*\)\s*号决议$"
    ),
)
_GA_PATTERN = re.compile(
    r"^A\s*/\s*RES\s*/\s*(?P<session>(?:ES-)?\d{1,3})\s*/\s*(?P<number>\d{1,4})$", re.I
)

# Security Council resolution 1 was adopted in 1946; numbers grow every year.
_FIRST_SC_YEAR = 1946


def parse_resolution(text: str) -> ResolutionSymbol | None:
    """The symbol in `text`, or None when it is not a recognisable resolution symbol."""
    normalized = unicodedata.normalize("NFKC", text).strip()
    for pattern in _SC_PATTERNS:
        match = pattern.match(normalized)
        if match:
            number, year = int(match["number"]), int(match["year"])
            if number < 1 or year < _FIRST_SC_YEAR:
                return None
            return ResolutionSymbol(organ="S", number=number, year=year)
    match = _GA_PATTERN.match(normalized)
    if match:
        return ResolutionSymbol(
            organ="A", number=int(match["number"]), session=match["session"].upper()
        )
    return None
