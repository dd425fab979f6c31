"""Demo IRC Flash survey answers (RAW_VERBATIMS): a score and, mostly, a French verbatim.

The verbatim's tone follows the score (NPS 0-10 for ~70 % of answers, 1-5 otherwise). About 5 %
carry personal data (emails, phone numbers, valid FR IBANs, names, customer ids) and ~14 % have
no text (null, or an empty string as some exports write it). While the iOS crash of the mobile
app is live (see ``tickets.ROOT_CAUSES``), app users complain more, and about crashes.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import numpy as np
import polars as pl

from resources.demo import text_verbatims as V
from resources.demo.calendar_fr import is_business_day, is_holiday, random_instants, utc_series
from resources.demo.common import rng_for
from resources.demo.text_incidents import ROOT_CAUSES
from resources.schemas import RAW_VERBATIMS

HOURLY = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.5, 1, 3, 6, 8, 9, 9, 10, 9, 8, 8, 8, 9, 10, 11, 10, 8, 5, 2])
NPS_P = np.array([3, 2, 3, 3, 3, 5, 7, 12, 18, 20, 24], dtype=float)
CSAT_P = np.array([8, 10, 17, 33, 32], dtype=float)
_CRASH = next(c for c in ROOT_CAUSES if c.key == "mobi_ios_crash")
CRASH_WINDOW = (_CRASH.since, _CRASH.until)  # the mobile app crashes: app users complain


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def rib_key(bank: str, branch: str, account: str) -> str:
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def fr_iban(bank: str, branch: str, account: str) -> str:
    """French IBAN with a valid RIB key and ISO 13616 mod-97 check digits (compact form)."""
    bban = f"{bank}{branch}{account}{rib_key(bank, branch, account)}"
    check = 98 - int(bban + "152700") % 97  # "FR00" moved to the end, F=15, R=27
    return f"FR{check:02d}{bban}"


def _phone(rng: np.random.Generator) -> str:
    digits = f"0{_pick(rng, '67')}{rng.integers(0, 10**8):08d}"
    pairs = [digits[i : i + 2] for i in range(0, 10, 2)]
    international = "+33 " + digits[1] + " " + " ".join(pairs[1:])
    return _pick(rng, (" ".join(pairs), international, digits, ".".join(pairs)))


def _pii(rng: np.random.Generator, body: str) -> str:
    kind = _pick(rng, tuple(V.PII_SENTENCES))
    first, last = _pick(rng, V.FIRST_NAMES), _pick(rng, V.LAST_NAMES)
    iban = fr_iban(
        f"{rng.integers(10000, 40000)}", f"{rng.integers(0, 10**5):05d}", f"{rng.integers(0, 10**11):011d}"
    )
    if rng.random() < 0.6:  # printed form, in groups of four
        iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    suffix = rng.integers(1, 99) if rng.random() < 0.5 else ""
    fill = {
        "email": f"{first}.{last.lower()}{suffix}@{_pick(rng, V.MAIL_DOMAINS)}",
        "phone": _phone(rng),
        "civ": _pick(rng, ("Mme", "M.", "Madame", "Monsieur")),
        "last": last,
        "iban": iban,
        "cid": f"{rng.integers(10**7, 10**8)}",
        "body": body[:1].lower() + body[1:],
    }
    sentence = _pick(rng, V.PII_SENTENCES[kind]).format(**fill)
    return sentence if kind == "name" else f"{body} {sentence}"


def _fragments(rng: np.random.Generator, pool, channel: str, k: int, crash: bool) -> list[str]:
    w = np.array([3.0 if c == channel else (1.0 if c is None else 0.2) for c, _ in pool])
    if crash:
        w = w * np.array([8.0 if t == V.CRASH else 1.0 for _, t in pool])
    idx = rng.choice(len(pool), size=min(k, len(pool)), replace=False, p=w / w.sum())
    return [pool[i][1] for i in idx]


def _verbatim(rng: np.random.Generator, tone: str, channel: str, crash: bool) -> str:
    if rng.random() < 0.03:
        return _pick(rng, V.ENGLISH[tone])
    pool = {"pos": V.POSITIVE, "neu": V.NEUTRAL, "neg": V.NEGATIVE}[tone]
    k = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
    text = " ".join(_fragments(rng, pool, channel, k, crash and tone == "neg")) + _pick(rng, V.TAILS[tone])
    text = text.format(n=int(rng.integers(15, 90)))
    u = rng.random()
    if u < 0.08:  # typed without accents
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    elif u < 0.15:
        text = text.lower()
    elif u < 0.18 and tone == "neg":
        text = text.upper()
    return text


def _tone(score: int, scale: int) -> str:
    if scale == 10:
        return "pos" if score >= 9 else ("neu" if score >= 7 else "neg")
    return "pos" if score >= 4 else ("neu" if score == 3 else "neg")


def generate(day: date) -> pl.DataFrame:
    """Survey answers of ``day`` in RAW_VERBATIMS schema (with ``partition_date``)."""
    rng = rng_for("verbatims", day.isoformat())
    lam = 110 if is_business_day(day) else (60 if is_holiday(day) else 70)
    n = int(np.clip(rng.poisson(lam), 40, 150))
    crash = CRASH_WINDOW[0] <= day <= CRASH_WINDOW[1]
    answered = random_instants(rng, day, n, HOURLY)
    scale = np.where(rng.random(n) < 0.7, 10, 5)
    channel = rng.choice(len(V.CHANNELS), size=n, p=V.CHANNEL_P)
    scores = np.where(
        scale == 10,
        rng.choice(11, size=n, p=NPS_P / NPS_P.sum()),
        rng.choice(5, size=n, p=CSAT_P / CSAT_P.sum()) + 1,
    )
    if crash:  # app users rate lower while the app crashes
        worse = (channel == 0) & (rng.random(n) < 0.35)
        scores = np.where(worse, np.where(scale == 10, rng.integers(0, 5, n), rng.integers(1, 3, n)), scores)
    texts: list[str | None] = []
    for i in range(n):
        ch = V.CHANNELS[channel[i]]
        u = rng.random()
        if u < 0.12:
            texts.append(None)
        elif u < 0.14:
            texts.append("")
        else:
            text = _verbatim(rng, _tone(int(scores[i]), int(scale[i])), ch, crash and ch == "appli")
            texts.append(_pii(rng, text) if rng.random() < 0.058 else text)
    schema = RAW_VERBATIMS.with_partition
    frame = pl.DataFrame(
        {
            "response_id": [f"IRC-{day:%Y%m%d}-{i:04d}" for i in range(n)],
            "answered_at": utc_series("answered_at", answered),
            "score": pl.Series(scores, dtype=pl.Int16()),
            "score_scale": pl.Series(scale, dtype=pl.Int8()),
            "verbatim": pl.Series(texts, dtype=pl.String()),
            "channel": [V.CHANNELS[c] for c in channel],
            "agency": [V.AGENCIES[j] for j in rng.integers(0, len(V.AGENCIES), n)],
            "product": [V.PRODUCTS[j] for j in rng.choice(len(V.PRODUCTS), size=n, p=V.PRODUCT_P)],
        }
    ).with_columns(partition_date=pl.lit(day, dtype=pl.Date()))
    return frame.select(schema.keys()).cast(schema)
