"""Personal-data redaction: typed placeholders replace personal data in free text.

Two passes. First, regular expressions find candidates and checksums confirm the ones that have
one (IBAN mod-97, card Luhn, NIR key), so an order number, an amount or a date of the same length
stays; names are found where French writing announces them (after a civility, "je m'appelle",
on the line after a closing formula), apostrophe and hyphen names whole ("Mme O'Brien", "M.
Lefèvre-N'Diaye"); customer and account ids right after their keyword. Second, Microsoft
Presidio with spaCy's French model (resources/pii_engine.py): persons' names anywhere, without
a cue ("Zoé Quintaplantee a appelé"), and customer or account ids with letter prefixes and
separators a few words after their keyword ("mon numéro client est le CL-0045-8812"), as
configured in resources/pii.yaml. The second pass never touches a placeholder of the first.

Everything runs offline (the spaCy model is a package; tldextract uses its bundled suffix list).
Speed and false positives on look-alikes: bench/verbatims.py, docs/benchmarks.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

import polars as pl

# "O'Brien", "D'Angelo", "N'Diaye", "Lefèvre-N'Diaye", "Jean-Pierre": apostrophe and hyphen
# names are one name (the letter before an apostrophe is part of it)
_NAME = (
    r"(?:[A-ZÀ-Ý]['’])?[A-ZÀ-Ý][a-zà-ÿ]+(?:['’][a-zà-ÿ]+)?"
    r"(?:-(?:[A-ZÀ-Ý]['’])?[A-ZÀ-Ý][a-zà-ÿ]+)*"
)
_NAME_UPPER = r"[A-ZÀ-Ý]{2,}(?:['’-][A-ZÀ-Ý]{2,})*"
_PERSON = rf"(?:{_NAME}|{_NAME_UPPER})(?:[ \t]+(?:{_NAME}|{_NAME_UPPER})){{0,2}}"
_CIVILITY = (
    r"(?:\b(?:Madame|Monsieur|Mademoiselle|Mme|Mlle|Mr|Mrs|Ms|Dr|Docteur|Maître)\.?"
    r"|\bM\.|\bMM\.)"
)
_CLOSINGS = (
    r"(?:Bien\s+)?Cordialement|Cdlt|Bien à vous|Salutations|Merci d'avance|Merci"
    r"|Bonne journée|Regards|Best regards|Best|Thanks|Thank you|--"
)
# Length of the IBAN of the countries customers write most; others: the whole candidate.
IBAN_LENGTHS = {
    "FR": 27,
    "MC": 27,
    "DE": 22,
    "BE": 16,
    "ES": 24,
    "IT": 27,
    "LU": 20,
    "CH": 21,
    "GB": 22,
    "NL": 18,
    "PT": 25,
    "IE": 22,
    "AT": 20,
}


def iban_valid(compact: str) -> bool:
    """ISO 13616: country + 2 check digits + BBAN, mod 97 of the rearranged number is 1."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def nir_valid(compact: str) -> bool:
    """French social-security number: 13 characters (Corsica 2A/2B read as 19/18) + key."""
    body, key = compact[:13].upper(), compact[13:]
    body = body.replace("2A", "19", 1) if body[5:7] == "2A" else body.replace("2B", "18", 1)
    return body.isdigit() and key.isdigit() and 97 - int(body) % 97 == int(key)


def _iban(match: re.Match) -> tuple[int, int] | None:
    """Span of the valid IBAN at the start of the candidate (its country fixes its length)."""
    raw = match.group(0)
    compact = re.sub(r"[ \-]", "", raw).upper()
    length = IBAN_LENGTHS.get(compact[:2], len(compact))
    if len(compact) < length or not iban_valid(compact[:length]):
        return None
    seen, end = 0, 0
    for end, ch in enumerate(raw, start=1):  # noqa: B007 - `end` is the answer, read after the loop
        seen += ch not in " -"
        if seen == length:
            break
    return match.start(), match.start() + end


def _checked(check: Callable[[str], bool], group: int = 0):
    def span(match: re.Match) -> tuple[int, int] | None:
        compact = re.sub(r"[ .\-]", "", match.group(group))
        return match.span(group) if check(compact) else None

    return span


def _group(n: int):
    return lambda match: match.span(n)


# Words after a lower-case civility that are not a name ("madame la directrice").
FUNCTION_WORDS = frozenset(
    [
        "le",
        "la",
        "les",
        "l",
        "de",
        "du",
        "des",
        "d",
        "un",
        "une",
        "et",
        "ou",
        "mais",
        "a",
        "au",
        "aux",
        "en",
        "est",
        "était",
        "qui",
        "que",
        "ne",
        "n",
        "pas",
        "se",
        "s",
        "mon",
        "ma",
        "mes",
        "votre",
        "vos",
        "son",
        "sa",
        "ses",
        "notre",
        "nos",
        "leur",
        "leurs",
        "ce",
        "cet",
        "cette",
        "ces",
        "pour",
        "par",
        "avec",
        "sur",
        "dans",
        "chez",
        "the",
        "and",
        "or",
        "is",
        "was",
    ]
)


def _lower_name(match: re.Match) -> tuple[int, int] | None:
    word = match.group(1).lower().strip("'’-")
    return None if word in FUNCTION_WORDS or len(word) < 2 else match.span(1)


def _card(compact: str) -> bool:
    return 13 <= len(compact) <= 19 and compact[0] in "23456" and luhn_valid(compact)


_COMPANY_ID = re.compile(r"(?i)\b(?:siret|siren|tva|rcs|n°\s*tva)\b[^.\n]{0,12}$")


_IBAN_HEAD = re.compile(r"\b[A-Z]{2}\d{2}[ \-]?$")
_BUILD = re.compile(r"(?i)\b(?:build|version|v|ver|release|patch)\s*[:#]?\s*$")


def _card_span(match: re.Match) -> tuple[int, int] | None:
    """A Luhn-valid number, unless announced as a company id (SIREN and SIRET pass Luhn too)
    or the body of an IBAN whose own check failed (one in ten bodies passes Luhn by chance)."""
    before = match.string[max(0, match.start() - 20) : match.start()]
    if _COMPANY_ID.search(before) or _IBAN_HEAD.search(before):
        return None
    return _checked(_card)(match)


def _intl_phone_span(match: re.Match) -> tuple[int, int] | None:
    """An international number, unless it is a build or version number ("build 00891626.1")."""
    if _BUILD.search(match.string[max(0, match.start() - 12) : match.start()]):
        return None
    return _checked(_phone)(match)


def _phone(compact: str) -> bool:
    digits = re.sub(r"\D", "", compact)
    return 9 <= len(digits) <= 15


# (type, pattern, span finder) in the order they apply: a replaced span is not seen again.
RULES: list[tuple[str, re.Pattern, Callable[[re.Match], tuple[int, int] | None]]] = [
    ("EMAIL", re.compile(r"[\w.+\-'’]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}"), _group(0)),
    ("IBAN", re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{1,4}){3,8}\b"), _iban),
    (
        "NIR",
        re.compile(
            r"(?<![\d\w])[12][ .]?\d{2}[ .]?\d{2}[ .]?(?:\d{2}|2[AaBb])[ .]?\d{3}"
            r"[ .]?\d{3}[ .]?\d{2}(?![\d\w])"
        ),
        _checked(nir_valid),
    ),
    ("CARD", re.compile(r"(?<![\d\w.,])\d(?:[ \-]?\d){12,18}(?![\d\w]|[.,]\d)"), _card_span),
    (
        "PHONE",
        re.compile(
            r"(?<![\w+.,/:])(?:(?:\+|00)33[ .\-]?(?:\(0\)[ .\-]?)?|0)[1-9]"
            r"(?:[ .\-]?\d{2}){4}(?![\d\w]|[.,/:]\d)"
        ),
        _group(0),
    ),
    (
        "PHONE",
        re.compile(
            r"(?<![\w+.,/:])(?:\+|00)[1-9]\d{0,2}(?:[ .\-]?\(?\d{1,4}\)?){2,6}"
            r"(?![\d\w]|[.,/:]\d)"
        ),
        _intl_phone_span,
    ),
    (
        "CUSTOMER_ID",
        re.compile(
            r"(?i)\b(?:client|clients|identifiant|id\s+client|customer)"
            r"(?:\s+(?:n°|no|nº|num(?:éro|ero)?|number|id))?\s*[:#°]?\s*"
            r"([A-Z]{0,3}\d{6,12})\b"
        ),
        _group(1),
    ),
    (
        "ACCOUNT_ID",
        re.compile(
            r"(?i)\b(?:compte|cpt|account)(?:\s+(?:bancaire|courant))?"
            r"(?:\s+(?:n°|no|nº|num(?:éro|ero)?|number))?\s*[:#°]?\s*"
            r"(\d{8,11}[A-Z]?)\b"
        ),
        _group(1),
    ),
    ("NAME", re.compile(rf"{_CIVILITY}[ \t]+({_PERSON})"), _group(1)),
    (
        "NAME",
        re.compile(
            r"(?i)\b(?:madame|monsieur|mademoiselle|mme|mlle|m\.)[ \t]+"
            r"([a-zà-ÿ][a-zà-ÿ'’\-]+)"
        ),
        _lower_name,
    ),
    ("NAME", re.compile(rf"(?i:je m'appelle|je m’appelle|mon nom est)[ \t]+({_PERSON})"), _group(1)),
    (
        "NAME",
        re.compile(
            rf"(?m)(?:^|(?<=\s))(?:{_CLOSINGS})[ \t]*[,.!]?[ \t]*\r?\n[ \t]*"
            rf"({_PERSON})"
        ),
        _group(1),
    ),
]
PLACEHOLDER_TYPES = tuple(dict.fromkeys(kind for kind, _, _ in RULES))


def redact_patterns(text: str | None) -> tuple[str | None, Counter]:
    """The first pass only: regular expressions and checksums."""
    counts: Counter = Counter()
    if not text:
        return text, counts
    for kind, pattern, find in RULES:
        pieces, last = [], 0
        for match in pattern.finditer(text):
            span = find(match)
            if span is None or span[0] < last:
                continue
            pieces += [text[last : span[0]], f"<{kind}>"]
            last = span[1]
            counts[kind] += 1
        if pieces:
            text = "".join(pieces) + text[last:]
    return text, counts


def redact(text: str | None) -> tuple[str | None, Counter]:
    """``text`` with its personal data replaced by ``<TYPE>``, and the count per type."""
    [(clean, counts)] = redact_each([text])
    return clean, counts


def redact_each(texts: Iterable[str | None]) -> list[tuple[str | None, Counter]]:
    """Both passes over many texts, each with its own counts (the NER runs in batches: far
    cheaper than one ``redact`` per text)."""
    from resources.pii_engine import anonymize_each

    first = [redact_patterns(text) for text in texts]
    todo = [i for i, (t, _) in enumerate(first) if t]
    if todo:
        second = anonymize_each([first[i][0] for i in todo])
        for i, (clean, counts) in zip(todo, second, strict=True):
            first[i] = (clean, first[i][1] + counts)
    return first


def redact_texts(texts: Iterable[str | None]) -> tuple[list[str | None], Counter]:
    """Both passes over many texts (the NER runs in batches), and the counts of them all."""
    each = redact_each(texts)
    total: Counter = Counter()
    for _, counts in each:
        total.update(counts)
    return [clean for clean, _ in each], total


def build_sanitizer(
    text_columns: Iterable[str], person_columns: Iterable[str] = (), skip_columns: Iterable[str] = ()
):
    """A ``sanitize(frame) -> (frame, counts)`` hook for ``build_raw_asset``.

    ``text_columns`` are redacted; ``person_columns`` (a caller or assignee: a bare name, no
    cue to find it by) are replaced whole by ``<NAME>``; any other String column not in
    ``skip_columns`` (codes and ids the source defines) is redacted too, so a free-text column
    a source adds later is covered without a code change.
    """
    text_columns, person = tuple(text_columns), set(person_columns)
    skip = set(skip_columns) | {"_file", "_column"}

    def sanitize(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
        total: Counter = Counter()
        replaced = []
        # Quarantined rows keep every field as the text that could not be read, codes and
        # numbers included (a phone typed in a score column): redact them all.
        skipped = {"_file", "_column"} if "_reason" in frame.columns else skip
        for name, dtype in frame.schema.items():
            if name in person:
                filled = frame[name].is_not_null() & (frame[name].cast(pl.String) != "")
                total["NAME"] += int(filled.sum())
                replaced.append(
                    pl.when(filled).then(pl.lit("<NAME>")).otherwise(pl.col(name)).cast(pl.String).alias(name)
                )
            elif dtype == pl.String and (name in text_columns or name not in skipped):
                values, counts = redact_texts(frame[name].to_list())
                total.update(counts)
                replaced.append(pl.Series(name, values, dtype=pl.String))
        frame = frame.with_columns(replaced) if replaced else frame
        return frame, {kind: total[kind] for kind in PLACEHOLDER_TYPES}

    return sanitize
