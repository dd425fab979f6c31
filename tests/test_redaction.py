"""The redaction catalogue: every personal-data type is replaced, look-alikes are kept."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from resources.demo import verbatims as demo_verbatims
from resources.demo.verbatims import fr_iban
from resources.redaction import build_sanitizer, iban_valid, luhn_valid, nir_valid, redact


def with_luhn(prefix: str) -> str:
    return next(prefix + str(d) for d in range(10) if luhn_valid(prefix + str(d)))


def with_nir_key(body: str) -> str:
    numeric = body.replace("2A", "19").replace("2B", "18")
    return f"{body}{97 - int(numeric) % 97:02d}"


IBAN = fr_iban("30006", "00001", "12345678901")
IBAN_PRINTED = " ".join(IBAN[i : i + 4] for i in range(0, len(IBAN), 4))
CARD = with_luhn("497010123456789")
NIR = with_nir_key("1850578006084")
NIR_CORSICA = with_nir_key("269032A012345")

CATALOGUE = [
    ("Merci de me recontacter à jean.dupont42@orange.fr svp", "EMAIL"),
    ("écrire à Marie-Claire.O'Neil+banque@sub.example.co.uk", "EMAIL"),
    ("Rappelez-moi au 06 12 34 56 78", "PHONE"),
    ("Tel : 0612345678", "PHONE"),
    ("joignable au 06.12.34.56.78 le matin", "PHONE"),
    ("au +33 6 12 34 56 78", "PHONE"),
    ("au +33 (0)1 42 68 53 00", "PHONE"),
    ("au 0033 7 98 69 10 57", "PHONE"),
    ("mon fixe à Londres +44 20 7946 0958", "PHONE"),
    ("US: +1 (555) 123-4567", "PHONE"),
    (f"Mon IBAN pour le remboursement : {IBAN_PRINTED}.", "IBAN"),
    (f"IBAN du compte concerné : {IBAN}", "IBAN"),
    (f"iban {IBAN.lower()} merci", "IBAN"),
    ("virement de DE89 3704 0044 0532 0130 00 reçu", "IBAN"),
    (f"carte {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]} bloquée", "CARD"),
    (f"carte {CARD} bloquée", "CARD"),
    (f"carte {CARD[:4]}-{CARD[4:8]}-{CARD[8:12]}-{CARD[12:]}", "CARD"),
    (f"sécu {NIR[0]} {NIR[1:3]} {NIR[3:5]} {NIR[5:7]} {NIR[7:10]} {NIR[10:13]} {NIR[13:]}", "NIR"),
    (f"mon numéro de sécurité sociale {NIR}", "NIR"),
    (f"NIR {NIR_CORSICA}", "NIR"),
    ("Bonjour Mme Dupont, votre dossier", "NAME"),
    ("Bonjour, je suis M. Martin, client", "NAME"),
    ("je suis Monsieur Jean-Pierre Le Gall", "NAME"),
    ("bonjour, je suis mme dupont, merci", "NAME"),
    ("Je m'appelle Sophie Bernard", "NAME"),
    ("Cordialement,\nJean Martin – Service Desk", "NAME"),
    ("Rappelé ce matin. Cordialement,\nJeanne Durand", "NAME"),
    ("Hello,\nDisk full.\n\n--\nYann Le Gall\nAppOps", "NAME"),
    ("Je suis client n° 12345678 depuis 15 ans", "CUSTOMER_ID"),
    ("(client n°59438842)", "CUSTOMER_ID"),
    ("Mon numéro client : 58402100.", "CUSTOMER_ID"),
    ("sur le compte 123456789 hier", "ACCOUNT_ID"),
    ("compte n° 00012345678 débité", "ACCOUNT_ID"),
    # apostrophe and hyphen surnames are replaced whole
    ("Bonjour Mme O'Brien, votre dossier", "NAME"),
    ("je suis M. D'Angelo, merci", "NAME"),
    ("Bonjour Madame Lefèvre-N'Diaye, votre carte", "NAME"),
    # names without a salutation (Presidio + spaCy NER)
    ("Zoé Quintaplantee a appelé pour son virement", "NAME"),
    ("Le conseiller Karim Benali m'a rappelé deux fois.", "NAME"),
    ("merci à Nathalie Lefèvre-N'Diaye pour son aide", "NAME"),
    # ids with letter prefixes, separators, keyword a few words before
    ("mon numéro client est le CL-0045-8812", "CUSTOMER_ID"),
    ("identifiant client : C 123 456 78, merci", "CUSTOMER_ID"),
    ("mon compte FR-9988-7766-55 est débité", "ACCOUNT_ID"),
    ("le numéro de mon compte courant est 12.345.678.90", "ACCOUNT_ID"),
]


@pytest.mark.parametrize(("text", "kind"), CATALOGUE)
def test_each_personal_data_type_is_replaced_by_its_placeholder(text, kind):
    clean, counts = redact(text)
    assert counts == {kind: 1}, (text, clean)
    assert f"<{kind}>" in clean
    for word in re.findall(r"[A-ZÀ-Ý]['’]?[A-Za-zà-ÿ]{3,}", text):
        if kind == "NAME" and word not in {
            "Bonjour",
            "Madame",
            "Monsieur",
            "Cordialement",
            "Service",
            "Desk",
            "Hello",
            "Disk",
            "AppOps",
            "Rappelé",
            "Je",
            "Le",
        }:
            assert word not in clean, clean  # no piece of a name (after an apostrophe) left
    digits = re.findall(r"\d{4,}", text.replace(" ", ""))
    for run in digits:
        assert run not in clean.replace(" ", ""), clean


FALSE_POSITIVES = [
    "Commande n° 12345678 livrée le 03/04/2024",
    "Ticket INC0012345 et INC0098765 toujours ouverts",
    "Montant de 1 250,00 € débité, puis 12 345 678,90 EUR",
    "version 2.10.3.4567 déployée, build 20240304.1",
    "serveur 192.168.10.12 et 10.0.0.1 injoignables",
    "rendez-vous le 12/03/2024 à 09:30, délai 15 jours",
    "commande 4970101234567890 (pas une carte valide)",  # fails Luhn
    "référence FR76 1234 5678 9012 3456 7890 123",  # fails mod-97
    "matricule 1 85 05 78 006 084 00",  # wrong NIR key
    "Madame la directrice et Monsieur le conseiller",
    "Je suis client depuis 15 ans, compte courant ouvert en 2009",
    "erreur E951 code 0x80070005, 46 clients impactés",
    "Attente interminable au téléphone, 45 minutes pour avoir quelqu'un.",
    "SIREN 552 100 554 de la société cliente, SIRET 55210055400013",
    "46 clients impactés le 12/03/2024, incident clos le 13.03.2024",
    "Client mécontent : virement de 1 234 567,89 EUR bloqué",
    "Accueil déplorable. Notifications absentes. Commande jamais reçue.",
    "Disk full on srv-paym-prd-01, VPN lent depuis Teams",
    "mise à jour de l'appli en version 4.12.0 (build 240304) chez les clients",
]


@pytest.mark.parametrize("text", FALSE_POSITIVES)
def test_look_alikes_are_kept(text):
    assert redact(text) == (text, {})


def test_checksums():
    assert iban_valid(IBAN) and not iban_valid(IBAN[:-1] + str((int(IBAN[-1]) + 1) % 10))
    assert luhn_valid(CARD) and not luhn_valid(CARD[:-1] + str((int(CARD[-1]) + 1) % 10))
    assert nir_valid(NIR) and nir_valid(NIR_CORSICA) and not nir_valid(NIR[:-2] + "00")


def test_several_items_in_one_text_are_all_counted():
    text = f"Bonjour Mme Dupont, IBAN {IBAN}, tel 0612345678, mail a.b@c.fr, client n° 12345678"
    clean, counts = redact(text)
    assert counts == {"NAME": 1, "IBAN": 1, "PHONE": 1, "EMAIL": 1, "CUSTOMER_ID": 1}
    assert clean == ("Bonjour Mme <NAME>, IBAN <IBAN>, tel <PHONE>, mail <EMAIL>, client n° <CUSTOMER_ID>")


def test_sanitizer_redacts_text_extra_and_person_columns_and_keeps_codes():
    frame = pl.DataFrame(
        {
            "number": ["INC0012345", "INC0012346"],
            "description": ["appeler le 0612345678", None],
            "u_comment": ["mail a.b@c.fr", ""],
            "assigned_to": ["Jean Martin", None],
            "priority": [2, 3],
        }
    )
    sanitize = build_sanitizer(["description"], ["assigned_to"], skip_columns=["number"])
    clean, counts = sanitize(frame)
    assert clean["number"].to_list() == ["INC0012345", "INC0012346"]
    assert clean["description"].to_list() == ["appeler le <PHONE>", None]
    assert clean["u_comment"].to_list() == ["mail <EMAIL>", ""]
    assert clean["assigned_to"].to_list() == ["<NAME>", None]
    assert counts["PHONE"] == 1 and counts["EMAIL"] == 1 and counts["NAME"] == 1
    assert counts["IBAN"] == 0


def test_every_planted_item_of_a_demo_month_is_caught():
    """The demo plants emails, phones, IBANs, names and customer ids in ~5 % of verbatims."""
    texts = pl.concat([demo_verbatims.generate(date(2024, 5, d)) for d in range(1, 31)])
    texts = texts["verbatim"].drop_nulls().to_list()
    cleaned = [redact(t)[0] for t in texts]
    assert sum("<" in c for c in cleaned) > 0.03 * len(texts)
    for original, clean in zip(texts, cleaned, strict=True):
        assert "@" not in clean and not re.search(r"\d{6,}|\d{2} \d{2} \d{2}", clean), original
        assert not re.search(r"\b(?:Mme|M\.|Madame|Monsieur) [A-Z]", clean), original


def test_redaction_never_touches_the_network(monkeypatch):
    """spaCy's model is a package, tldextract uses its bundled suffix list."""
    import socket

    def refuse(self, address, *args, **kwargs):
        raise AssertionError(f"network access attempted: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    from resources.pii_engine import make_tldextract_offline

    make_tldextract_offline()
    import tldextract

    assert tldextract.extract(["a.b", "mail.example.co.uk"][1]).suffix == "co.uk"
    assert redact("Zoé Quintaplantee, client n° 12345678")[1] == {"NAME": 1, "CUSTOMER_ID": 1}
