"""Phone and fax numbers, e-mail addresses, URLs and IP addresses."""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar

from triage_app.privacy.recognizers.base import Recognizer

_PHONE_CUE = r"(?:phone|tel|telephone|cell|mobile|mob|fax|pager|beeper|home|work|office|contact|call|#|ph|h|w|c|m|ext|x)"


class EmailRecognizer(Recognizer):
    """E-mail addresses."""

    LABEL = "EMAIL"
    PATTERNS = (("email", r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])", 0.95),)


class UrlRecognizer(Recognizer):
    """Web addresses, with or without a scheme."""

    LABEL = "URL"
    PATTERNS = (
        ("scheme", r"\b(?:https?|ftp|file)://[^\s<>\"'\]\[)]+", 0.95),
        ("www", r"\bwww\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[^\s<>\"'\]\[)]*)?", 0.9),
        (
            "bare-domain",
            r"(?<![@\w.])[A-Za-z0-9-]{2,}(?:\.[A-Za-z0-9-]+)*\.(?:com|org|net|edu|gov|io|info|biz|us|uk|ca|au|de|fr|health|nhs\.uk|co\.uk|org\.uk)(?:/[^\s<>\"'\]\[)]*)?(?![\w.]*[\w])",
            0.8,
        ),
    )


class IpAddressRecognizer(Recognizer):
    """IPv4 and IPv6 addresses (validated, so versions like 1.2.3 are not taken)."""

    LABEL = "IP"
    PATTERNS = (
        ("ipv4", r"(?<![\d./])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)", 0.9),
        ("ipv6", r"(?<![:\w])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{1,4}(?![:\w])", 0.85),
    )

    def validate(self, text: str, match: re.Match[str], pattern: str) -> bool:
        try:
            ipaddress.ip_address(match.group().rstrip(":"))
        except ValueError:
            return False
        return True


#: Measures whose ranges look like "ddd-dddd" ("SVR 954-1183", "HR 100-1112", "voiding 575-1000").
_MEASURE_BEFORE = re.compile(
    r"\b(?:hr|svr|pvr|svri|pvri|sbp|dbp|bp|map|rr|uop|u/o|uo|voiding|voided|cvp|pcwp|plt|plts|wbc|glucose|bs|fs|"
    r"ivf|output|input|intake|vol|volume|vt|tv|range|between|from|up\s+to|total|ck|cpk|ldh|ast|alt|tbili|bnp)\b[\s:=~]*$",
    re.IGNORECASE,
)


class PhoneRecognizer(Recognizer):
    """Telephone, fax and pager numbers: North American, UK and international forms.

    A bare 4–6 digit pager or extension needs a cue word ("pager", "ext", "#").
    """

    LABEL = "PHONE"
    PATTERNS = (
        # (410) 555-1234, 410-555-1234, 410.555.1234, 410 555 1234, 410/555/1234, +1 410 555 1234, (240444-1243)
        (
            "nanp",
            r"(?<![\w/.])(?<!\d-)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.\-/]{0,2}\d{3}[\s.\-/]{0,2}\d{4}\d?(?!\d)(?:\s*(?:x|ext\.?|extension)\s*\d{1,5}\b)?",
            0.85,
        ),
        # UK: 020 7946 0958, 07700 900123, 0161 496 0000, +44 20 7946 0958
        ("uk", r"(?<![\w.-])(?:\+44[\s-]?\(?0?\)?[\s-]?|0)(?:\d[\s-]?){8,9}\d(?![\d-])", 0.8),
        # other international: +33 1 23 45 67 89
        ("intl", r"(?<![\w.])\+\d{1,3}(?:[\s.-]?\d{1,4}){3,6}(?!\d)", 0.8),
        # 555-1234 (local number)
        ("local", r"(?<![\w/.-])\d{3}-\d{4}(?![\w/-])", 0.6),
        # pager 12345, ext 4521, x45
        (
            "cued-short",
            r"(?i:\b(?:pager|beeper|bpr|ext|extension|page|pgr|pg|bleep|cell|tel|phone)\b\.?\s*(?:#|no\.?|number)?\s*:?\s*#?)(?P<phi>\d{3,6})\b",
            0.8,
        ),
        ("ext", r"(?<=\d)\s+(?P<phi>x\d{2,5})\b\.?", 0.7),
    )
    FLAGS = 0
    CONTEXT: ClassVar[tuple[str, ...]] = ("phone", "tel", "cell", "fax", "pager", "mobile", "call", "reached")

    def validate(self, text: str, match: re.Match[str], pattern: str) -> bool:
        if pattern == "intl" and len(re.sub(r"\D", "", match.group())) < 8:
            return False
        if pattern == "local":
            first, second = match.group().split("-")
            # "500-1000", "900-1100": a range of volumes, not a phone number
            if first.endswith("0") and second.endswith("00"):
                return False
            # "HR 100-1112", "SVR 954-1183", "voiding 575-1000": a measured range, unless a phone cue is near
            before = text[max(0, match.start() - 18) : match.start()]
            if _MEASURE_BEFORE.search(before) and not self.has_context(text, match.start()):
                return False
        if pattern == "ext":
            # "a/c 650 x10": a ventilator rate after a volume; an extension follows a full phone number
            if len(re.sub(r"\D", "", text[max(0, match.start() - 16) : match.start()])) < 7:
                return False
        if pattern == "nanp":
            digits = re.sub(r"\D", "", match.group())
            # A run of 10 identical digits or a decimal like 120.5 is not a phone number.
            if len(set(digits)) == 1:
                return False
            # Blood pressure and similar ratios are never 3/3/4 digits, so "/" stays allowed.
        return True


__all__ = ["EmailRecognizer", "IpAddressRecognizer", "PhoneRecognizer", "UrlRecognizer"]
