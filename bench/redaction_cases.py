"""Generated cases for the redaction benchmark (bench/verbatims.py ``--parts redaction``).

Look-alikes must come out unchanged; each planted sentence holds one personal item that must be
gone. Values are drawn with a fixed seed; checksums are computed so that the valid ones are
valid and the broken ones are broken by construction.
"""

from __future__ import annotations

import random
import time

from resources.demo.verbatims import fr_iban
from resources.redaction import luhn_valid, redact_texts

FIRST = [
    "Jean",
    "Sophie",
    "Karim",
    "Nathalie",
    "Yann",
    "Zoé",
    "Mathieu",
    "Aïcha",
    "Pierre",
    "Inès",
    "Gaspard",
    "Léa",
]
LAST = [
    "Durand",
    "Lefèvre",
    "Benali",
    "Le Gall",
    "O'Brien",
    "D'Angelo",
    "N'Diaye",
    "Lefèvre-N'Diaye",
    "Marchetti-Vandenbrouck",
    "Oublanchet",
    "Quintaplantee",
    "Moreau",
]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _luhn_complete(body: str) -> str:
    return next(body + str(d) for d in range(10) if luhn_valid(body + str(d)))


def _siren(rng: random.Random) -> str:
    return _luhn_complete(str(rng.randint(1, 9)) + _digits(rng, 7))


def look_alikes(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """(kind, text) pairs that hold no personal data."""
    rng = random.Random(seed)
    makers = {
        "order number": lambda: (
            f"Commande n° {_digits(rng, 8)} livrée le {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024"
        ),
        "version": lambda: (
            f"version {rng.randint(1, 20)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
            f".{_digits(rng, 4)} déployée, build {_digits(rng, 8)}.1"
        ),
        "amount": lambda: f"Montant de {rng.randint(1, 999)} {_digits(rng, 3)},{_digits(rng, 2)} € débité",
        "date": lambda: (
            f"rendez-vous le {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/"
            f"{rng.randint(2020, 2026)} à {rng.randint(8, 18):02d}:30"
        ),
        "ip": lambda: (
            f"serveur {rng.randint(1, 254)}.{rng.randint(0, 254)}.{rng.randint(0, 254)}"
            f".{rng.randint(1, 254)} injoignable"
        ),
        "siren": lambda: f"SIREN {(s := _siren(rng))[:3]} {s[3:6]} {s[6:]} de la société",
        "siret": lambda: f"SIRET {_luhn_complete(_siren(rng) + _digits(rng, 4))} enregistré",
        "broken card": lambda: f"commande {_broken_luhn(rng)} (pas une carte)",
        "broken iban": lambda: f"référence {_broken_iban(rng)}",
        "broken nir": lambda: (
            f"matricule 1 85 05 78 006 084 {rng.randint(0, 96):02d}"
            if rng.random() < 0.5
            else "matricule 1 85 05 78 006 084 00"
        ),
        "ticket id": lambda: f"Ticket INC{_digits(rng, 7)} et CHG{_digits(rng, 7)} ouverts",
        "clients count": lambda: (
            f"{rng.randint(2, 900)} clients impactés depuis le {rng.randint(1, 28):02d}.03.2024"
        ),
    }
    kinds = list(makers)
    return [(kinds[i % len(kinds)], makers[kinds[i % len(kinds)]]()) for i in range(n)]


def _broken_luhn(rng: random.Random) -> str:
    while True:
        number = "4970" + _digits(rng, 12)
        if not luhn_valid(number):
            return number


def _broken_iban(rng: random.Random) -> str:
    iban = fr_iban(_digits(rng, 5), _digits(rng, 5), _digits(rng, 11))
    broken = iban[:4] + str((int(iban[4]) + 1) % 10) + iban[5:]
    return " ".join(broken[i : i + 4] for i in range(0, len(broken), 4))


def planted(n: int, seed: int = 11) -> list[tuple[str, str, str]]:
    """(kind, text, item) triples: ``item`` must not survive the redaction."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        choice = i % 6
        if choice == 0:
            out.append(("name after a civility", f"Bonjour, je suis Mme {last}, l'appli plante.", last))
        elif choice == 1:
            out.append(("name without civility", f"Le conseiller {first} {last} ne répond jamais.", last))
        elif choice == 2:
            out.append(("name without civility", f"{first} {last} a appelé pour son virement.", last))
        elif choice == 3:
            ident = f"CL-{_digits(rng, 4)}-{_digits(rng, 4)}"
            out.append(("customer id", f"Mon numéro client est le {ident}, merci.", ident))
        elif choice == 4:
            ident = f"{_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 3)}"
            out.append(("customer id", f"identifiant client : {ident} depuis 2010", ident))
        else:
            ident = f"{_digits(rng, 5)}-{_digits(rng, 6)}"
            out.append(("account id", f"le numéro de mon compte courant est {ident}", ident))
    return out


def bench_redaction(texts: list[str], repeats: int = 3) -> dict[str, float]:
    texts = [t for t in texts if t][:2000]
    redact_texts(texts[:50])  # loads spaCy and Presidio once
    start = time.perf_counter()
    for _ in range(repeats):
        cleaned, counts = redact_texts(texts)
    rate = repeats * len(texts) / (time.perf_counter() - start)
    named = sum("<NAME>" in c for c in cleaned) / len(texts)

    alikes = look_alikes(600)
    out, _ = redact_texts([t for _, t in alikes])
    false = {}
    for (kind, text), clean in zip(alikes, out, strict=True):
        false.setdefault(kind, [0, 0])
        false[kind][0] += clean != text
        false[kind][1] += 1
    cases = planted(600)
    out, _ = redact_texts([t for _, t, _ in cases])
    caught = {}
    for (kind, _, item), clean in zip(cases, out, strict=True):
        caught.setdefault(kind, [0, 0])
        caught[kind][0] += item.split("-")[-1] not in clean and item not in clean
        caught[kind][1] += 1
    print(
        f"\nRedaction (both passes) of {len(texts)} reviews x {repeats}: {rate:.0f} texts/s; "
        f"{named:.1%} of reviews get a <NAME>; placeholders {dict(counts)}"
    )
    print("| look-alike | changed / total |\n| --- | --- |")
    for kind, (bad, total) in false.items():
        print(f"| {kind} | {bad} / {total} |")
    print("| planted item | removed / total |\n| --- | --- |")
    for kind, (good, total) in caught.items():
        print(f"| {kind} | {good} / {total} |")
    fp = sum(b for b, _ in false.values()) / sum(t for _, t in false.values())
    recall = sum(g for g, _ in caught.values()) / sum(t for _, t in caught.values())
    return {
        "redaction_texts_per_s": round(rate, 1),
        "redaction_false_positive_rate": round(fp, 4),
        "redaction_recall_planted": round(recall, 4),
        "reviews_with_name": round(named, 4),
    }
