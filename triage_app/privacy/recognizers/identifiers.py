"""Numbers that identify a person or a thing they own: SSN and other national ids,
medical record, account, health-plan, licence, vehicle and device numbers, and other
unique identifiers."""

from __future__ import annotations

import re

from triage_app.privacy.recognizers.base import Recognizer

#: An identifier token after its cue: at least one digit, 3–20 characters of [A-Z0-9-/.].
_ID_TOKEN = r"(?P<phi>(?=[A-Za-z0-9./-]*\d)[A-Za-z0-9][A-Za-z0-9./-]{2,24}[A-Za-z0-9])"
_SEP = r"\s*(?:#|no\.?|num(?:ber)?\.?|n[o°]|id|:|=|is)?\s*[:#]?\s*"


class SsnRecognizer(Recognizer):
    """US Social Security numbers (formatted; a bare 9-digit run needs the cue)."""

    LABEL = "ID"
    PATTERNS = (
        ("ssn", r"(?<![\w-])(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}(?![\w-])", 0.9),
        ("ssn-cued", r"(?i:\b(?:ssn|ss#|social security)" + _SEP + r")(?P<phi>\d{9})\b", 0.95),
    )
    FLAGS = 0


class NhsNumberRecognizer(Recognizer):
    """UK NHS numbers (10 digits, mod-11 check digit), e.g. ``943 476 5919``."""

    LABEL = "ID"
    PATTERNS = (("nhs", r"(?<![\w-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w-])", 0.85),)
    FLAGS = 0

    def validate(self, text: str, match: re.Match[str], pattern: str) -> bool:
        digits = [int(c) for c in re.sub(r"\D", "", match.group())]
        if len(digits) != 10 or len(set(digits)) == 1:
            return False
        total = sum(d * (10 - i) for i, d in enumerate(digits[:9]))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        return check != 10 and check == digits[9]


class RecordNumberRecognizer(Recognizer):
    """MRN, account, health-plan/insurance, licence, passport, device and serial numbers:
    an identifier token that follows its cue word."""

    LABEL = "ID"
    CUES = (
        r"mrn|mr\s*#|mr\s+no|medical\s+record(?:\s+(?:number|no))?|hospital\s+(?:number|no)|unit\s+(?:number|no)"
        r"|patient\s+id|pt\s+id|chart|acct|account|visit\s+(?:number|no|id)|encounter\s+(?:number|id)"
        r"|member\s+id|member|subscriber(?:\s+id)?|policy|group\s+(?:number|no)|insurance(?:\s+id)?"
        r"|health\s*plan(?:\s+id)?|medicare|medicaid|beneficiary|nhs|chi|nino|national\s+insurance|sin|nir"
        r"|licen[cs]e|lic|dl|driver'?s\s+licen[cs]e|dea|npi|passport|badge"
        r"|serial|s/n|sn|device(?:\s+id)?|model|lot|imei|udi|pacemaker|implant(?:\s+id)?"
        r"|ref(?:erence)?|case|claim|order|accession|specimen|requisition|id\s*#|id\s+no|identifier|ticket|file|record"
    )
    PATTERNS = (
        ("cued", r"(?i:\b(?:" + CUES + r")(?![A-Za-z])\.?" + _SEP + r")" + _ID_TOKEN, 0.9),
        # "# rg17", "#12345678": a number sign followed by an id-like token
        ("hash", r"(?<![\w#])#\s?(?P<phi>(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z]|\d{4})[A-Za-z0-9][A-Za-z0-9-]{3,24})\b", 0.7),
        # long digit runs are unique identifiers whatever their cue
        ("long-digits", r"(?<![\w.,/])\d{7,}(?![\w.,/]*\d)", 0.65),
        # mixed letters and digits such as AB1234567 or 12-34567-8
        ("mixed", r"(?<![\w-])(?=[A-Z0-9-]*\d{4})(?=[A-Z0-9-]*[A-Z]{1,3})[A-Z]{1,3}-?\d{5,12}[A-Z]?(?![\w-])", 0.6),
    )
    FLAGS = 0

    def validate(self, text: str, match: re.Match[str], pattern: str) -> bool:
        if pattern == "cued":
            token = match.group("phi")
            # "Medicare 2 days", "case 1": short pure numbers after a weak cue are counts, not ids.
            if token.isdigit() and len(token) < 4:
                return False
            # a decimal like 7.35 or a lab value 120/80 after the cue is not an identifier
            if re.fullmatch(r"\d+\.\d+|\d{2,3}/\d{2,3}", token):
                return False
        if pattern in ("cued", "hash"):
            token = match.group("phi")
            # "#7PORTEX", "TMAX-99": a clinical or dictionary word with a size is not an id
            # "#20fr", "#20x2", "#4PRBC": a size, count or blood product after "#", not an id
            if pattern == "hash" and re.fullmatch(r"(?i)\d{1,2}\s?(?:fr|french|g|ga|gauge|x\d|prbcs?|units?|u|l|mm|cm)", token):
                return False
            letters = re.findall(r"[A-Za-z]{3,}", token)
            if any(self.lexicon.is_common(w) or w.lower() in ("portex", "shiley", "tmax", "peep", "fio") for w in letters):
                return False
        return True


class VehicleRecognizer(Recognizer):
    """Vehicle identifiers: 17-character VINs, and licence plates after a cue."""

    LABEL = "ID"
    PATTERNS = (
        ("vin", r"(?<![A-Za-z0-9])(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}(?![A-Za-z0-9])", 0.9),
        (
            "plate",
            r"(?i:\b(?:plate|licen[cs]e\s+plate|registration|(?:car|vehicle)\s+reg|reg(?=\.?\s*(?:#|no\b|no\.|number|:))|tag|vin)\b\.?\s*(?:#|no\.?|number)?\s*:?\s*)(?P<phi>(?=[A-Za-z0-9 -]*\d)[A-Za-z0-9]{1,4}[ -]?[A-Za-z0-9]{2,5})\b",
            0.85,
        ),
    )
    FLAGS = 0


__all__ = ["NhsNumberRecognizer", "RecordNumberRecognizer", "SsnRecognizer", "VehicleRecognizer"]
