"""Personal data planted in landing files never leaves them: after the whole graph has run,
no file under the storage root (Parquet decoded, DuckDB tables read, reports, models, JSON,
the landing index) and no run log holds any planted value: ids with prefixes and separators,
apostrophe and hyphen surnames, names without a salutation included."""

from __future__ import annotations

import csv
import logging

import dagster as dg
import duckdb
import polars as pl

from definitions import build_definitions
from resources.demo.verbatims import fr_iban
from resources.redaction import luhn_valid

IBAN = fr_iban("30004", "00817", "00010123456")
CARD = next(f"497401234567891{d}" for d in range(10) if luhn_valid(f"497401234567891{d}"))
NIR_BODY = "2840675123456"
NIR = f"{NIR_BODY}{97 - int(NIR_BODY) % 97:02d}"
PLANTED = {
    "email": "zoe.quintaplantee@exemple-perso.fr",
    "phone": "06 71 29 38 47",
    "phone_intl": "+33 7 81 92 03 14",
    "iban": " ".join(IBAN[i : i + 4] for i in range(0, len(IBAN), 4)),
    "card": CARD,
    "nir": NIR,
    "name": "Quintaplantee",
    "customer": "73519264",
    "account": "99887766554",
    "customer_prefixed": "CL-7351-9288",
    "account_separated": "FR-9988-7766-41",
    "apostrophe_name": "D'Escarbouille",
    "hyphen_name": "Marchetti-Vandenbrouck",
    "bare_name": "Gaspard Oublanchet",
    "bare_apostrophe_hyphen": "N'Goma-Delatour",
}
# what a leak could look like once formatting is lost (no needle of 4 digits alone: a run log holds
# process ids and timings that match one by chance)
NEEDLES = {
    *PLANTED.values(),
    IBAN,
    "0671293847",
    "781920314",
    "quintaplantee",
    "735192",
    "7351-9288",
    "73519288",
    "7766-41",
    "776641",
    "escarbouille",
    "vandenbrouck",
    "marchetti",
    "oublanchet",
    "delatour",
}
DAY = "2024-03-04"
TFIDF = {"ops": {"verbatim_sentiment": {"config": {"candidates": ["tfidf"]}}}}
TEXTS = [
    f"Bonjour, je suis Mme {PLANTED['name']}, l'appli plante. Écrivez-moi : {PLANTED['email']}",
    f"Rappelez-moi au {PLANTED['phone']} ou au {PLANTED['phone_intl']}, attente trop longue.",
    f"Remboursez sur mon IBAN {PLANTED['iban']} svp, frais trop élevés.",
    f"Ma carte {PLANTED['card']} est bloquée sans explication.",
    f"Mon numéro de sécurité sociale {PLANTED['nir']} a été demandé en agence, bizarre.",
    f"Je suis client n° {PLANTED['customer']}, compte {PLANTED['account']} débité deux fois.",
    f"Mon numéro client est le {PLANTED['customer_prefixed']}, je l'ai donné deux fois.",
    f"Le compte {PLANTED['account_separated']} a été débité deux fois.",
    f"Madame {PLANTED['apostrophe_name']} est passée en agence, rien n'a bougé.",
    f"Bonjour, je suis M. {PLANTED['hyphen_name']}, toujours pas de réponse.",
    f"Le conseiller {PLANTED['bare_name']} ne répond jamais au téléphone.",
    f"Dossier suivi par Karim {PLANTED['bare_apostrophe_hyphen']}, toujours rien.",
]


def _plant(root) -> None:
    """Replace the fixture verbatims and tickets (whose bad rows fail their contracts on
    purpose, which would stop everything downstream) by files full of personal data."""
    for old in [*(root / "landing" / "verbatims").iterdir(), *(root / "landing" / "tickets").iterdir()]:
        old.unlink()
    verbatims = root / "landing" / "verbatims" / "irc_flash_pii.csv"
    with verbatims.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(
            ["response_id", "answered_at", "score", "score_scale", "verbatim", "channel", "agency", "product"]
        )
        for i in range(5 * len(TEXTS)):
            out.writerow(
                [
                    f"PII-{i}",
                    f"04/03/2024 {8 + i % 10:02d}:{i:02d}",
                    (i * 3) % 11,
                    10,
                    TEXTS[i % len(TEXTS)],
                    "appli",
                    "Agence Paris Opéra",
                    "banque mobile",
                ]
            )
        out.writerow(["PII-bad", "04/03/2024 12:00", "nope", 10, TEXTS[0], "appli", "", ""])
        # a phone number typed in a numeric column: quarantined, its reason quotes the value
        out.writerow(["PII-bad2", "04/03/2024 12:05", PLANTED["phone"], 10, "ok", "appli", "", ""])
    tickets = root / "landing" / "tickets" / "servicenow_pii_2024-03-04.csv"
    with tickets.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "number",
                "opened_at",
                "short_description",
                "description",
                "close_notes",
                "sys_updated_on",
                "priority",
                "caller_id",
                "u_comments",
            ]
        )
        for i, text in enumerate(TEXTS):
            out.writerow(
                [
                    f"INC09{i:05d}",
                    "2024-03-04 09:00:00",
                    f"Client {PLANTED['email']}",
                    text,
                    f"Rappelé au {PLANTED['phone']}. Cordialement,\nJeanne {PLANTED['name']}",
                    "2024-03-04 10:00:00",
                    "3 - Moderate",
                    f"Jeanne {PLANTED['name']}",
                    text,
                ]
            )
        out.writerow(
            ["INC0999999", "not a date", text, text, "", "2024-03-04 10:00:00", "3", PLANTED["name"], text]
        )


def _strings_of(path) -> str:
    """Every text an output file holds, decoded where it has a format."""
    raw = path.read_bytes().decode("utf-8", errors="ignore")
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        texts = [
            str(frame[c].to_list())
            for c, dtype in frame.schema.items()
            if not (
                dtype.is_numeric()
                or dtype.is_temporal()
                or dtype == pl.Boolean
                or (
                    dtype.is_nested()
                    and getattr(dtype, "inner", None) is not None
                    and dtype.inner.is_numeric()
                )
            )
        ]
        return raw + " ".join(texts)
    if path.suffix == ".duckdb":
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
            return raw + "".join(str(con.execute(f'SELECT * FROM "{s}"."{t}"').fetchall()) for s, t in tables)
    return raw


def _leaks(text: str) -> set[str]:
    folded = text.lower()
    return {n for n in NEEDLES if n.lower() in folded}


def test_planted_personal_data_reaches_no_output_and_no_log(landed_root, caplog):
    _plant(landed_root)
    defs = build_definitions(root=str(landed_root), mode="files")
    instance = dg.DagsterInstance.ephemeral()
    with caplog.at_level(logging.DEBUG):
        # TF-IDF sentiment: its pickled vocabulary is where training text would show
        result = dg.materialize(
            [*defs.assets, *(defs.asset_checks or [])],
            partition_key=DAY,
            resources=defs.resources,
            instance=instance,
            raise_on_error=False,
            run_config=TFIDF,
        )
    done = {
        e.asset_key.to_user_string()
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }
    assert {"raw_verbatims", "raw_incidents", "verbatim_sentiment", "verbatim_entities"} <= done
    counts = {
        k: v.value
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
        for k, v in e.event_specific_data.materialization.metadata.items()
        if e.asset_key.to_user_string() == "raw_verbatims" and k.startswith("sanitized/")
    }
    assert counts["sanitized/IBAN"] >= 5 and counts["sanitized/CARD"] >= 5
    assert counts["sanitized/NIR"] >= 5 and counts["sanitized/NAME"] >= 5

    scanned = 0
    for path in sorted(landed_root.rglob("*")):
        if path.is_file() and "landing" not in path.relative_to(landed_root).parts:
            assert not _leaks(_strings_of(path)), path
            scanned += 1
    assert scanned > 10
    logs = " ".join(f"{r.user_message} {r.dagster_event}" for r in instance.all_logs(result.run_id))
    assert "quarantined" in logs or "rejected_rows" in logs
    assert not _leaks(logs)
    assert not _leaks(caplog.text)
