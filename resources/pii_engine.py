"""Microsoft Presidio (analyzer + anonymizer) with spaCy ``fr_core_news_sm``: the second pass of
the redaction (resources/redaction.py), for what regular expressions cannot see.

* Persons' names anywhere, from the spaCy named-entity recogniser (``PER``), kept only when they
  look like a name: capitalised words without digits, not a sentence's first word alone (the
  small French model tags "Accueil", "Commande" or "Notifications" opening a sentence), not a
  bare civility. A name with an apostrophe or a hyphen (O'Brien, N'Diaye, Lefèvre-N'Diaye) is
  replaced whole: the span is widened over the letters its apostrophe or hyphen joins.
* Customer and account ids (``resources/pii.yaml``): a number of 6 to 12 digits, optionally
  prefixed by letters and cut by spaces, dots, dashes or slashes ("CL-0045-8812", "C 123 456
  78"), within a few words after a keyword ("mon numéro client est le 12345678").

Why not only Presidio: its French support has no checksum recognisers (IBAN with its country
length, Luhn, NIR key) and its e-mail recogniser resolves domains with ``tldextract``, which
downloads the public-suffix list at first use. The checksum rules stay in resources/redaction.py
and run first; here only the recognisers above are registered (nothing predefined), and
``tldextract`` is pointed at its bundled snapshot in case a caller adds Presidio's own.

Speed: the NER runs only on texts with a capitalised word inside a sentence (most answers have
none), in batches through ``nlp.pipe`` with the parser and lemmatiser left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CONFIG_FILE = Path(__file__).resolve().parent / "pii.yaml"
SPACY_MODEL = "fr_core_news_sm"
CIVILITIES = frozenset(
    [
        "m",
        "m.",
        "mme",
        "mlle",
        "mr",
        "mrs",
        "ms",
        "dr",
        "madame",
        "monsieur",
        "mademoiselle",
        "docteur",
        "maître",
        "maitre",
    ]
)
# capitalised words in the middle of a sentence: the only texts worth the NER's time
_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[\w,;:()'’\"]) +(?:[A-ZÀ-Ý]['’])?[A-ZÀ-Ý][a-zà-ÿ]")
_NAME_WORD = re.compile(
    r"^(?:[A-ZÀ-Ý]['’])?[A-ZÀ-Ý][a-zà-ÿ]+"
    r"(?:['’-](?:[A-ZÀ-Ý]['’])?[A-ZÀ-Ý]?[a-zà-ÿ]+)*\.?$"
)
PARTICLES = frozenset({"de", "du", "le", "la", "van", "von", "da", "di", "del"})
_PLACEHOLDER = re.compile(r"<[A-Z_]+>")
_DATE = re.compile(r"\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}")


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


@dataclass(frozen=True)
class IdRule:
    entity: str
    keywords: tuple[str, ...]
    pattern: re.Pattern
    window_words: int
    min_digits: int
    max_digits: int


@lru_cache(maxsize=4)
def not_names(path: str = str(CONFIG_FILE)) -> frozenset[str]:
    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return frozenset(_plain(str(w)) for w in spec.get("not_names") or ())


@lru_cache(maxsize=4)
def id_rules(path: str = str(CONFIG_FILE)) -> tuple[IdRule, ...]:
    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    rules = []
    for entity, rule in (spec.get("ids") or {}).items():
        rules.append(
            IdRule(
                entity=entity,
                keywords=tuple(_plain(k) for k in rule["keywords"]),
                pattern=re.compile(rule["pattern"]),
                window_words=int(rule.get("window_words", 5)),
                min_digits=int(rule.get("min_digits", 6)),
                max_digits=int(rule.get("max_digits", 12)),
            )
        )
    return tuple(rules)


def _keyword_before(text: str, start: int, rule: IdRule) -> bool:
    words = re.findall(r"[\wÀ-ÿ°]+", _plain(text[:start]))[-rule.window_words :]
    window = " ".join(words)
    return any(re.search(rf"(?<!\w){re.escape(k)}(?!\w)", window) for k in rule.keywords)


def find_ids(text: str, rules: tuple[IdRule, ...] | None = None) -> list[tuple[int, int, str]]:
    """(start, end, entity) of the ids announced by a keyword a few words before them."""
    found = []
    for rule in rules if rules is not None else id_rules():
        for match in rule.pattern.finditer(text):
            if _DATE.fullmatch(match.group(0)):
                continue
            digits = sum(ch.isdigit() for ch in match.group(0))
            if rule.min_digits <= digits <= rule.max_digits and _keyword_before(text, match.start(), rule):
                found.append((match.start(), match.end(), rule.entity))
    return found


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Take in the letters an apostrophe or a hyphen joins to the span (O'|Brien,
    Lefèvre-|N'Diaye)."""
    while start >= 2 and text[start - 1] in "'’-" and text[start - 2].isalpha():
        start -= 2
        while start > 0 and text[start - 1].isalpha():
            start -= 1
    while end + 1 < len(text) and text[end] in "'’-" and text[end + 1].isalpha():
        end += 2
        while end < len(text) and text[end].isalpha():
            end += 1
    return start, end


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in '.!?\n:;«"(–…'


def accept_person(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span to redact when the NER's ``PER`` entity looks like a person's name, else None."""
    words = text[start:end].split()
    announced = False  # after a civility or a greeting, one word is a name even after "M."
    while words and (
        _plain(words[0]).rstrip(".") in CIVILITIES | {"merci", "bonjour"} or words[0][:1].islower()
    ):  # "conseiller Léa Benali": the noun goes
        announced = announced or _plain(words[0]).rstrip(".") in CIVILITIES
        start = text.index(words[0], start) + len(words[0])
        start += len(text[start:]) - len(text[start:].lstrip())
        words = words[1:]
    if not words or any(ch.isdigit() for ch in "".join(words)) or _PLACEHOLDER.search(text[start:end]):
        return None
    if not all(_NAME_WORD.match(w) or _plain(w) in PARTICLES for w in words):
        return None
    if all(_plain(w).rstrip(".") in not_names() | PARTICLES for w in words):
        return None  # a bank, a brand or a capitalised adjective ("Younited", "Très Bien")
    capitalised = [w for w in words if w[:1].isupper()]
    if len(capitalised) < 2 and not announced and _sentence_start(text, start):
        return None  # one capitalised word opening a sentence: a common noun as often as not
    return _widen(text, start, end)


class _Engines:
    """Presidio's analyzer (NER + id recognisers) and anonymizer, built once per process."""

    def __init__(self):
        make_tldextract_offline()
        from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
        from presidio_anonymizer import AnonymizerEngine

        class FrenchNlpEngine(SpacyNlpEngine):
            """spaCy French, NER only: no download attempt, no parser or lemmatiser."""

            def load(self) -> None:
                import spacy

                self.nlp = {
                    "fr": spacy.load(
                        SPACY_MODEL,
                        exclude=["parser", "lemmatizer", "attribute_ruler", "morphologizer", "senter"],
                    )
                }

        class PersonRecognizer(EntityRecognizer):
            def load(self) -> None:
                pass

            def analyze(self, text, entities, nlp_artifacts=None):
                results = []
                for ent in getattr(nlp_artifacts, "entities", None) or []:
                    if ent.label_ not in ("PER", "PERSON"):  # Presidio maps PER to PERSON
                        continue
                    span = accept_person(text, ent.start_char, ent.end_char)
                    if span:
                        results.append(RecognizerResult("PERSON", span[0], span[1], 0.85))
                return results

        class IdRecognizer(EntityRecognizer):
            def load(self) -> None:
                pass

            def analyze(self, text, entities, nlp_artifacts=None):
                return [RecognizerResult(kind, s, e, 0.9) for s, e, kind in find_ids(text)]

        self.nlp_engine = FrenchNlpEngine(models=[{"lang_code": "fr", "model_name": SPACY_MODEL}])
        self.nlp_engine.load()
        registry = RecognizerRegistry(supported_languages=["fr"])
        registry.add_recognizer(
            PersonRecognizer(supported_entities=["PERSON"], supported_language="fr", name="fr_person")
        )
        registry.add_recognizer(
            IdRecognizer(
                supported_entities=sorted({r.entity for r in id_rules()}),
                supported_language="fr",
                name="fr_keyword_ids",
            )
        )
        self.analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=self.nlp_engine, supported_languages=["fr"]
        )
        self.anonymizer = AnonymizerEngine()


@lru_cache(maxsize=1)
def engines() -> _Engines:
    return _Engines()


def make_tldextract_offline() -> None:
    """tldextract fetches the public-suffix list over the network at first use: use its
    bundled snapshot instead (Presidio's e-mail and URL recognisers call ``tldextract.extract``)."""
    import tldextract

    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


PLACEHOLDER_OF = {"PERSON": "NAME"}


def needs_ner(text: str) -> bool:
    return bool(_MID_SENTENCE_CAPITAL.search(text))


def analyze_batch(texts: list[str]) -> list[list]:
    """Presidio results for each text (NER only on texts with a mid-sentence capital)."""
    from presidio_analyzer import RecognizerResult

    engine = engines()
    out: list[list] = [[] for _ in texts]
    ner_idx = [i for i, t in enumerate(texts) if t and needs_ner(t)]
    with_ner = set(ner_idx)
    id_idx = [i for i, t in enumerate(texts) if t and i not in with_ner]
    if ner_idx:
        docs = engine.nlp_engine.process_batch([texts[i] for i in ner_idx], language="fr", batch_size=128)
        for i, (_, artifacts) in zip(ner_idx, docs, strict=True):
            out[i] = engine.analyzer.analyze(texts[i], language="fr", nlp_artifacts=artifacts)
    for i in id_idx:  # no NER needed: the id recogniser alone, without running spaCy
        if any(k in _plain(texts[i]) for r in id_rules() for k in r.keywords):
            out[i] = [RecognizerResult(kind, s, e, 0.9) for s, e, kind in find_ids(texts[i])]
    return out


def anonymize_each(texts: list[str | None]) -> list[tuple[str | None, Counter]]:
    """Each text with the Presidio findings replaced by ``<NAME>``, ``<CUSTOMER_ID>``, ...,
    and its own count per type (the NER runs over all texts in batches); findings overlapping
    a placeholder of the first pass are ignored."""
    from presidio_anonymizer.entities import OperatorConfig

    engine = engines()
    present = [t or "" for t in texts]
    results = analyze_batch(present)
    out: list[tuple[str | None, Counter]] = []
    for text, original, found in zip(present, texts, results, strict=True):
        counts: Counter = Counter()
        holes = [m.span() for m in _PLACEHOLDER.finditer(text)]
        found = [r for r in found if not any(r.start < e and s < r.end for s, e in holes)]
        if not found:
            out.append((original, counts))
            continue
        kinds = {r.entity_type for r in found}
        operators = {
            k: OperatorConfig("replace", {"new_value": f"<{PLACEHOLDER_OF.get(k, k)}>"}) for k in kinds
        }
        done = engine.anonymizer.anonymize(text=text, analyzer_results=found, operators=operators)
        for item in done.items:
            counts[PLACEHOLDER_OF.get(item.entity_type, item.entity_type)] += 1
        out.append((done.text, counts))
    return out
