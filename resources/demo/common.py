"""What every demo generator shares: the AppOps referential, seeding, the Paris day."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Application:
    code: str
    name: str
    team: str
    criticality: str
    business_line: str


APPLICATIONS: tuple[Application, ...] = (
    Application("APP-MOBI", "Banque mobile", "Canaux digitaux", "critical", "Retail"),
    Application("APP-WEBB", "Banque en ligne", "Canaux digitaux", "critical", "Retail"),
    Application("APP-PAYM", "Paiements SEPA", "Paiements", "critical", "Payments"),
    Application("APP-CART", "Monétique cartes", "Paiements", "critical", "Payments"),
    Application("APP-SFTN", "Transferts de fichiers SFTN", "Échanges", "high", "Shared services"),
    Application("APP-APIG", "Passerelle API", "Échanges", "critical", "Shared services"),
    Application("APP-CRMA", "CRM agences", "Distribution", "high", "Retail"),
    Application("APP-CRED", "Octroi de crédit", "Crédits", "high", "Lending"),
    Application("APP-RISK", "Calcul des risques", "Risques", "high", "Corporate"),
    Application("APP-COMP", "Comptabilité générale", "Finance", "medium", "Corporate"),
    Application("APP-RHPA", "Paie et RH", "Fonctions support", "medium", "Corporate"),
    Application("APP-GED", "Gestion électronique de documents", "Fonctions support", "low", "Corporate"),
    Application("APP-BOUR", "Ordres de bourse", "Marchés", "critical", "Markets"),
    Application("APP-KYC", "Connaissance client (KYC)", "Conformité", "high", "Compliance"),
    Application("APP-FRAU", "Détection de fraude", "Conformité", "critical", "Compliance"),
    Application("APP-DWH", "Entrepôt décisionnel", "Data", "medium", "Corporate"),
    Application("APP-MAIL", "Messagerie", "Poste de travail", "medium", "Shared services"),
    Application("APP-TELE", "Téléphonie centre de relation", "Distribution", "high", "Retail"),
    Application("APP-ASSU", "Souscription assurance", "Assurance", "medium", "Insurance"),
    Application("APP-EPAR", "Épargne et placements", "Crédits", "medium", "Retail"),
)

TEAMS: tuple[str, ...] = tuple(sorted({a.team for a in APPLICATIONS}))


def rng_for(*parts: object) -> np.random.Generator:
    """A generator seeded by a stable hash of ``parts`` (never Python's salted ``hash``)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))
