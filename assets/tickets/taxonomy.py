"""What each category means, in words: the zero-shot examples of a category that has too few
labelled tickets are written from these (French and English phrases, ``;``-separated).

The defaults describe the ServiceNow categories of the demo data; pass your own through the
``ticket_classifier`` config (``label_descriptions``) for another taxonomy.
"""

CATEGORY_DESCRIPTIONS: dict[str, str] = {
    "software": (
        "erreur applicative, plantage ou lenteur d'une application; traitement batch en échec; "
        "application error, crash or slowness; failed batch job; certificat ou interface en erreur"
    ),
    "hardware": (
        "disque plein, serveur indisponible, CPU saturé; disk full, server down, high CPU load; "
        "stockage saturé; storage volume full"
    ),
    "network": (
        "connexion VPN impossible; VPN drops; résolution DNS en échec; DNS resolution failing; "
        "perte de connectivité réseau; network connectivity lost"
    ),
    "database": (
        "base de données lente, verrous bloquants, tablespace plein; slow database queries, "
        "deadlocks, tablespace full"
    ),
    "inquiry": (
        "demande d'accès ou d'habilitation; réinitialisation de mot de passe, compte verrouillé; "
        "access request, password reset, account locked out; demande d'information; request"
    ),
}
