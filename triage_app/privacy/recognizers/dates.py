"""Every date element except the year, and ages over 89.

Decisions (see docs/agents/redaction-decisions.md): a year standing alone is kept (Safe
Harbor allows it); a month alone is redacted ("in July"), except the ambiguous "May" and
"March" which need a day or year; weekdays and clock times are kept (they are not date
elements); durations ("for 3 days", "x2d") are kept; "m/d" numbers that are clinical
ratios (pain 5/10, strength 4/5, 1/2 tab, BP) are kept.
"""

from __future__ import annotations

import functools
import re

from triage_app.privacy.recognizers.base import Candidate, Recognizer

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTH_FULL_SAFE = r"(?:january|february|april|june|july|august|september|october|november|december|sept)"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_ORD = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)"
_DAY_ANY = r"(?:" + _ORD + r"|" + _DAY + r")"
_MON_NUM = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:\d{4}|'?\d{2})"
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"

#: Past events that a history line dates with a bare two-digit year ("NQWMI 13", "09 PTCA").
_EVENT = (
    r"(?:mi|nqwmi|qwmi|imi|ami|stemi|nstemi|ptca|cabg|pci|stent|stents|stented|cva|tia|avr|mvr|tavr|tavi|"
    r"aicd|icd\s+placement|ppm|pacemaker|cath|dvt|chf|afib|a-fib|cea|cholecystectomy|appendectomy|"
    r"hysterectomy|mastectomy|lumpectomy|colectomy|thr|tkr|orif|turp|lap\s+chole|fem-pop|aaa\s+repair)"
)
#: A history passage: the two-digit-year rule applies only after one of these, shortly before.
_HISTORY_CUE = re.compile(r"\b(?:pmh|pmhx|psh|pshx|past\s+(?:medical|surgical|cardiac)|hx|history|h/o|s/p|status\s+post)\b", re.IGNORECASE)
#: After a two-digit number, words that make it a measure or count, not a year.
_NOT_YEAR_AFTER = re.compile(
    r"\s*(?:y|yr|yrs|years?|mo|mos|months?|wk|wks|weeks?|d|days?|hrs?|hours?|ago|x|times|mm|cm|mg|%|fr|french|beats?|bpm|"
    r"min|minutes?|units?|vessels?|of|out|/)\b|\s*[-+/x%]",
    re.IGNORECASE,
)

#: Words right after an m/d number that make it a clinical ratio, not a date.
_NOT_DATE_AFTER = re.compile(
    r"\s*(?:mg|mcg|g|gm|ml|cc|l|units?|u|tabs?|tablets?|caps?|amps?|vials?|strength|ns|nss|"
    r"inch(?:es)?|liters?|litres?|cups?|gallons?|bottles?|pints?|glass(?:es)?|cans?|pack|ppd|pain|of|"
    r"scale|score|power|murmur|systolic|diastolic|holosystolic|sem|sm|hsm|dm|reflexes|pulses?|lumen|mm|cm|%|x\b|times)\b",
    re.IGNORECASE,
)
#: Words right before a number that make it a date whatever else is near.
_DATE_CUE = re.compile(
    r"\b(?:on|since|from|until|till|dated?|admitted|adm|started|began|placed|d/c'?d?|dc'?d|extubated?|intubated?|"
    r"by|post|s/p|due|last|next|born|dob|seen|done|given)\s*\(?\s*$",
    re.IGNORECASE,
)

#: Pregnancy talk near "n/40" makes it weeks of gestation.
_PREGNANCY = re.compile(r"pregnan|gestation|gravid|antenatal|obstetric|midwife|\bedd\b|\blmp\b|\bg\d\s*p\d|weeks?\b|\bfetal|\bfoetal", re.IGNORECASE)

#: Ventilator talk shortly before "10/5" makes it pressure settings, not a date.
_VENT_CONTEXT = re.compile(
    r"\b(?:psv|ps|cpap|bipap|peep|simv|imv|a/c|ac|prvc|aprv|vent(?:ilator)?|weaning\s+trial|trialed\s+on|settings|fio2|pressure\s+support|cpap/ps)\b",
    re.IGNORECASE,
)

#: Words shortly before an m/d number that make it a score, grade or ratio.
_NOT_DATE_BEFORE = re.compile(
    r"\b(?:pain|score|scale|rated|rates|level|strength|grade|grip|power|motor|murmur|sem|reflex(?:es)?|"
    r"pupils?|perrl[a]?|bp|b/p|nbp|abp|nibp|cvp|pap|pa|map|i:e|ie|ratio|mae|moves|dose|doses|"
    r"ventilator|vent|peep|ps|psv|cpap|bipap|simv|imv|ac|prvc|drops?|fraction|qty|out of|settings?)\s*[:=]?\s*$",
    re.IGNORECASE,
)


class DateRecognizer(Recognizer):
    """Dates in numeric, ISO and written forms, month names, ordinals and holidays."""

    LABEL = "DATE"
    PATTERNS = (
        # ISO 2024-03-14, 2024/03/14
        ("iso", r"(?<![\w/.-])\d{4}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?(?![\w/.-]*\d)", 0.95),
        # 3/14/2024, 14/03/24, 3-14-2024, 14.03.2024
        ("dmy-mdy", r"(?<![\w/.-])\d{1,2}([/.-])\d{1,2}\1" + _YEAR + r"(?![\w/.]*\d)", 0.9),
        # 10/03/10/04: two dates run together
        ("md-md", r"(?<![\d/.])" + _MON_NUM + r"/" + _DAY + r"/" + _MON_NUM + r"/" + _DAY + r"(?![\d/]|\.\d)", 0.85),
        # 10/15-10/16, 6/30-7/2 (a range of dates)
        ("md-range", r"(?<![\d/.:+-])" + _MON_NUM + r"/" + _DAY + r"-" + _MON_NUM + r"/" + _DAY + r"(?![\w/%]|\.\d|:\d)", 0.85),
        # 3/14 (day-month without year, slash only)
        # (a letter word may touch it: "fx4/97"; a single letter may not: "x2/3", "O2/")
        ("md", r"(?<![\d/+])(?<!\d[.:-])(?<!\b[A-Za-z])" + _MON_NUM + r"/" + _DAY + r"(?![\w/%]|\.\d|:\d)", 0.8),
        # 8/84, 11/2019 (month/year)
        ("my", r"(?<![\d/+])(?<!\d[.:-])(?<!\b[A-Za-z])" + _MON_NUM + r"/(?:\d{4}|[4-9]\d|3[2-9])(?![\w/%]|\.\d)", 0.8),
        # 7-8, 3-5 as dates only after a date cue ("on 7-8", "from 3-5"), never before units
        (
            "md-dash",
            r"(?i:\b(?:on|from|since|until|till|dated|admitted|adm|placed|started|began|through|thru)\s+)(?P<phi>"
            + _MON_NUM
            + r"-"
            + _DAY
            + r")(?![\w/%-]|\.\d|\s*(?:days?|d|hrs?|hours?|weeks?|wks?|months?|mos?|times|x|mg|l|units?|am|pm)\b)",
            0.75,
        ),
        # '79, '09: a two-digit year with an apostrophe (ambiguous in notes; redacted)
        ("apostrophe-year", r"(?<![\w'])'\d{2}(?![\w'])|(?<![\w'.-])\d{2}'(?![\w'])", 0.6),
        # "NQWMI 13", "CABG '09", "09 PTCA": a bare two-digit year beside a past event in a history
        # (PMH/PSH/h/o) passage; validate() checks the history cue and that no unit follows
        (
            "history-year",
            r"(?i:\b" + _EVENT + r"\s+(?:in\s+)?)(?P<phi>\d{2})(?![\w/%:'-]|\.\d)"
            r"|(?<![\w/.,:'-])(?P<yr>\d{2})(?=\s+(?i:" + _EVENT + r")\b)(?!\s+\w+s\b)",
            0.6,
        ),
        # March 14, Mar. 14th, March 14, 2024, Mar-14, 14 Mar 2024, 14th of March, the 3rd of May
        ("month-day", r"\b" + _MONTH + r"\.?[\s-]+" + _DAY_ANY + r"\b(?:,?\s*" + _YEAR + r"\b)?", 0.9),
        ("day-month", r"\b" + _DAY_ANY + r"(?:\s+of)?[\s-]+" + _MONTH + r"\b\.?(?:,?\s*" + _YEAR + r"\b)?", 0.9),
        # March 2024, Oct '89
        ("month-year", r"\b" + _MONTH + r"\.?,?\s+(?:\d{4}|'\d{2})\b", 0.9),
        # month alone (not the ambiguous may/march/short forms)
        ("month", r"\b" + _MONTH_FULL_SAFE + r"\b", 0.7),
        # Tuesday the 3rd, on the 14th, since the 2nd
        ("weekday-ordinal", r"\b" + _WEEKDAY + r",?\s+(?:the\s+)?(?P<phi>" + _ORD + r")\b", 0.85),
        (
            "the-ordinal",
            r"\b(?:on|since|until|till|by|before|after|from|of|starting|through|thru|it'?s|is|was|today'?s?)\s+the\s+(?P<phi>" + _ORD + r")\b(?!\s+(?:day|dose|time|week|hour|attempt|trial|floor|degree|percentile|grade|intercostal|rib|toe|finger|digit|cycle|cranial|nerve|ics))",
            0.8,
        ),
        # holidays that pin a date
        (
            "holiday",
            r"\b(?:christmas|xmas|thanksgiving|easter|new\s+year'?s(?:\s+(?:day|eve))?|halloween|"
            r"independence\s+day|memorial\s+day|labou?r\s+day|veterans\s+day|valentine'?s\s+day|"
            r"st\.?\s+patrick'?s\s+day|mother'?s\s+day|father'?s\s+day|boxing\s+day|hanukkah|ramadan|eid|diwali)\b",
            0.85,
        ),
    )

    def analyze(self, text: str) -> list[Candidate]:
        out = super().analyze(text)
        # the "history-year" pattern's second branch names its year ``yr``
        for m in self._compiled_history.finditer(text):
            if m.group("yr") and self._history_year_ok(text, m.start("yr"), m.end("yr")):
                out.append(Candidate(m.start("yr"), m.end("yr"), self.LABEL, 0.6, self.name))
        return out

    @functools.cached_property
    def _compiled_history(self) -> re.Pattern[str]:
        return next(rx for name, rx, _ in self._compiled if name == "history-year")

    @staticmethod
    def _history_year_ok(text: str, start: int, end: int) -> bool:
        """A bare two-digit year: a history cue within 250 characters before, no unit after."""
        if _NOT_YEAR_AFTER.match(text, end):
            return False
        return _HISTORY_CUE.search(text, max(0, start - 250), start) is not None

    def validate(self, text: str, match: re.Match[str], pattern: str) -> bool:
        if pattern == "history-year":
            return match.group("phi") is not None and self._history_year_ok(text, match.start("phi"), match.end("phi"))
        if pattern == "my" and re.fullmatch(r"(?:[1-9]|[1-3]\d|4[0-2])/40", match.group()) and _PREGNANCY.search(
            text, max(0, match.start() - 80), min(len(text), match.end() + 80)
        ):
            return False  # "11/40": weeks of gestation out of 40, not November 1940
        if pattern in ("md", "my", "dmy-mdy", "md-range"):
            start, end = match.span()
            after = text[end : end + 20]
            before = text[max(0, start - 25) : start].rsplit("\n", 1)[-1]
            date_cue = _DATE_CUE.search(before) is not None
            if not date_cue and (_VENT_CONTEXT.search(text[max(0, start - 45) : start]) or re.match(r"\s*%", after)):
                return False  # ventilator settings: "PSV 10/5", "A/C 12/5/40%"
            if pattern == "md" and _VENT_CONTEXT.match(after.lstrip(" ,-")):
                return False  # "on 10/5 BIPAP", "from 5/5 PSV": the mode right after names a setting
            if pattern == "dmy-mdy":
                a, b = (int(x) for x in re.findall(r"\d+", match.group())[:2])
                if not ((a <= 12 and b <= 31) or (b <= 12 and a <= 31)) or a == 0 or b == 0:
                    return False
                return True
            if _NOT_DATE_AFTER.match(after) or _NOT_DATE_BEFORE.search(before):
                return False
            # "strength 4/5 right arm, 5/5 elsewhere": motor grades and murmur grades
            num, _, den = match.group().partition("/")
            if den in ("5", "6") and int(num) <= int(den) and re.search(
                r"strength|motor|power|grip|mae|moves|murmur|reflex", text[max(0, start - 60) : end + 25], re.IGNORECASE
            ):
                return False
            # "2/2" is shorthand for "secondary to"; "1/2" a half, unless a date cue is near.
            if pattern in ("md", "md-range") and set(re.split(r"-", match.group())) <= {"2/2", "1/2", "1/3", "2/3", "1/4", "3/4"} and not re.search(
                r"(?:on|since|from|until|dated?|admitted|adm|started|began|placed|d/c'?d?)\s*$", before, re.IGNORECASE
            ):
                return False
            # x/10 after "pain" is caught above; a lone "10/10" or "0/10" is a score either way
            if re.fullmatch(r"\d{1,2}/10", match.group()) and re.search(r"pain|scale|score", text[max(0, start - 60) : end + 30], re.IGNORECASE):
                return False
        return True


class AgeOver89Recognizer(Recognizer):
    """Ages of 90 and over ("92 yo", "aged 94", "in her 90s", "95M")."""

    LABEL = "AGE"
    _AGE = r"(?P<phi>(?:9\d|1[0-3]\d)(?:\.\d)?)"
    PATTERNS = (
        (
            "age-unit",
            r"(?<![\w.])" + _AGE + r"\s*-?\s*(?:yo|y\.?o\.?|y/o|yrs?|years?|year-old|yr-old|yrs?\s+old|years?\s+old|years?-old|year\s+old)\b",
            0.9,
        ),
        ("aged", r"\b(?:aged?|age:|age\s+of)\s*:?\s*" + _AGE + r"\b", 0.9),
        ("decade", r"\b(?:in\s+(?:his|her|their)\s+(?:late\s+|early\s+|mid\s+|mid-)?)(?P<phi>(?:9|1[0-3])0'?s)\b", 0.85),
        ("nonagenarian", r"\b(?:nonagenarian|centenarian|supercentenarian)s?\b", 0.8),
        ("age-sex", r"(?<![\w.])(?P<phi>(?:9\d|1[0-3]\d))\s?(?:yo)?\s?(?:m|f|male|female|man|woman|gentleman|lady)\b(?!\w)", 0.8),
    )


__all__ = ["AgeOver89Recognizer", "DateRecognizer"]
