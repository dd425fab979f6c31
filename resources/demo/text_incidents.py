"""Latent root causes of the demo incidents and the text pieces their tickets are written from.

Each root cause belongs to one application (or is shared), maps to one ServiceNow-like
(category, subcategory) pair and has several French and English paraphrases with placeholders
({server}, {err}, {n}…) filled at random by ``resources.demo.tickets``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CATEGORIES: dict[str, tuple[str, ...]] = {
    "software": ("authentication", "performance", "certificate", "batch", "interface", "error", "mobile"),
    "hardware": ("storage", "server"),
    "network": ("vpn", "connectivity", "dns"),
    "database": ("performance", "storage", "lock"),
    "inquiry": ("access", "password", "request"),
}


@dataclass(frozen=True)
class RootCause:
    key: str
    app: str | None  # None: shared cause, raised on any application
    category: str
    subcategory: str
    severity: str  # high | medium | low: drives impact and urgency
    fr: tuple[str, ...]
    en: tuple[str, ...]
    weight: float = 1.0
    since: date | None = None  # a cause that only emerges from this day on...
    until: date | None = None  # ...or that is fixed after this day (a burst)
    group: str | None = None  # assignment group override (default: the app team's N2)


def _c(key, app, cat, sub, sev, fr, en, **kw) -> RootCause:
    return RootCause(key, app, cat, sub, sev, tuple(fr), tuple(en), **kw)


ROOT_CAUSES: tuple[RootCause, ...] = (
    _c(
        "mobi_sca",
        "APP-MOBI",
        "software",
        "authentication",
        "high",
        [
            "Échec d'authentification forte sur l'appli mobile",
            "Clients bloqués à la validation SCA (code {err})",
            "Impossible de valider les opérations via l'authentification forte",
            "Appli mobile : échec authentification forte",
        ],
        [
            "Strong customer authentication failing on mobile app",
            "SCA validation errors ({err}) on mobile banking",
        ],
        weight=2.0,
    ),
    _c(
        "mobi_slow",
        "APP-MOBI",
        "software",
        "performance",
        "medium",
        [
            "Lenteur de l'écran de consultation des comptes",
            "Consultation des soldes très lente ({n} s) sur l'appli",
            "Appli mobile lente à l'affichage des comptes",
        ],
        ["Slow account overview screen on mobile app", "Mobile app: balance screen takes {n}s to load"],
        weight=1.5,
    ),
    _c(
        "mobi_tls",
        "APP-MOBI",
        "software",
        "certificate",
        "high",
        [
            "Certificat TLS expiré sur {server}",
            "Alerte expiration du certificat TLS de {server}",
            "Certificat SSL arrivé à échéance sur le frontal mobile {server}",
        ],
        ["Expired TLS certificate on {server}", "TLS certificate expiry alert on {server}"],
        weight=0.5,
    ),
    _c(
        "mobi_ios_crash",
        "APP-MOBI",
        "software",
        "mobile",
        "high",
        [
            "Plantage de l'appli au lancement après mise à jour iOS",
            "L'application se ferme au démarrage sur iPhone (iOS 18)",
            "Crash appli mobile sur iOS 18 dès l'ouverture",
        ],
        ["Mobile app crashes at launch after iOS update", "App closes on startup on iOS 18 devices"],
        weight=2.5,
        since=date(2024, 9, 16),
        until=date(2024, 10, 31),
    ),
    _c(
        "webb_logout",
        "APP-WEBB",
        "software",
        "error",
        "medium",
        [
            "Déconnexions intempestives sur la banque en ligne",
            "Session expirée en boucle sur l'espace client",
            "Clients déconnectés de la banque en ligne après {n} min",
        ],
        ["Users randomly logged out of online banking", "Online banking session expires in a loop"],
        weight=1.5,
    ),
    _c(
        "webb_500",
        "APP-WEBB",
        "software",
        "error",
        "high",
        ["Erreur 500 sur la page {page} de la banque en ligne", "Page {page} indisponible (HTTP 500)"],
        ["HTTP 500 on online banking {page} page", "Online banking {page} page returns error 500"],
    ),
    _c(
        "paym_reject",
        "APP-PAYM",
        "software",
        "batch",
        "high",
        [
            "Rejets massifs de virements SEPA (code {sepa})",
            "Lot de virements SEPA rejeté par STET ({n} opérations)",
            "Virements SEPA en rejet {sepa} depuis {hhmm}",
        ],
        ["Mass rejection of SEPA credit transfers ({sepa})", "SEPA batch of {n} transfers rejected by STET"],
        weight=1.5,
    ),
    _c(
        "paym_late",
        "APP-PAYM",
        "software",
        "batch",
        "medium",
        [
            "Retard du traitement batch des prélèvements",
            "Chaîne batch {job} en retard de {n} min",
            "Batch prélèvements SEPA non terminé à l'heure",
        ],
        ["SEPA direct debit batch {job} running late", "Direct debit processing delayed by {n} min"],
    ),
    _c(
        "cart_decline",
        "APP-CART",
        "software",
        "interface",
        "high",
        [
            "Refus de paiements carte en masse (code {err})",
            "Autorisations carte refusées – réponse 05",
            "Hausse anormale des refus d'autorisation carte",
        ],
        ["Card authorisations declined in bulk ({err})", "Spike of declined card payments"],
        weight=1.5,
    ),
    _c(
        "cart_hsm",
        "APP-CART",
        "hardware",
        "server",
        "high",
        ["HSM indisponible sur {server}", "Perte de connexion au HSM monétique {server}"],
        ["HSM unreachable on {server}", "Card HSM {server} not responding"],
        weight=0.6,
    ),
    _c(
        "sftn_stuck",
        "APP-SFTN",
        "software",
        "batch",
        "medium",
        [
            "Transfert bloqué vers {partner}",
            "Fichier {file} en attente d'envoi depuis {n} min",
            "Flux SFTN vers {partner} bloqué",
            "Transfert de fichier {file} bloqué",
        ],
        ["File transfer stuck towards {partner}", "SFTN flow to {partner} blocked, file {file} pending"],
        weight=2.0,
    ),
    _c(
        "sftn_format",
        "APP-SFTN",
        "software",
        "interface",
        "low",
        [
            "Fichier rejeté pour format invalide ({file})",
            "Rejet du fichier {file} : structure non conforme",
            "Fichier {file} rejeté par le partenaire {partner} (format)",
        ],
        ["File {file} rejected: invalid format", "Partner {partner} rejected file {file} (bad layout)"],
        weight=1.5,
    ),
    _c(
        "apig_timeout",
        "APP-APIG",
        "software",
        "performance",
        "high",
        [
            "Timeouts sur la passerelle API ({api})",
            "Latence élevée sur {api} (p95 à {ms} ms)",
            "Passerelle API : temps de réponse dégradés sur {api}",
        ],
        ["Gateway timeouts on {api}", "High latency on {api} (p95 {ms} ms)"],
        weight=1.5,
    ),
    _c(
        "apig_quota",
        "APP-APIG",
        "software",
        "interface",
        "medium",
        [
            "Quota d'appels dépassé sur {api} (HTTP 429)",
            "Partenaire {partner} bloqué : quota d'appels API atteint",
            "Erreurs 429 quota dépassé sur la passerelle API",
        ],
        [
            "API call quota exceeded for {partner} (HTTP 429)",
            "Rate limit reached on {api}: 429 Too Many Requests",
        ],
        weight=3.0,
        since=date(2025, 6, 1),
    ),
    _c(
        "apig_mtls",
        "APP-APIG",
        "software",
        "certificate",
        "high",
        ["Certificat client mTLS expiré pour le partenaire {partner}", "Échec handshake mTLS sur {api}"],
        ["Expired mTLS client certificate for partner {partner}", "mTLS handshake failure on {api}"],
        weight=0.6,
    ),
    _c(
        "crma_slow",
        "APP-CRMA",
        "software",
        "performance",
        "medium",
        ["Lenteur du CRM en agence {agency}", "CRM agences très lent à l'ouverture de la fiche client"],
        ["CRM very slow in branch {agency}", "Branch CRM: customer record takes {n}s to open"],
    ),
    _c(
        "crma_access",
        "APP-CRMA",
        "inquiry",
        "access",
        "low",
        ["Conseiller sans accès au CRM ({user})", "Accès CRM refusé pour un nouveau conseiller"],
        ["Advisor cannot access CRM ({user})", "CRM access denied for new advisor"],
    ),
    _c(
        "cred_scoring",
        "APP-CRED",
        "software",
        "interface",
        "high",
        [
            "Moteur de scoring indisponible – dossiers de crédit bloqués",
            "Octroi crédit : appel au scoring en erreur {err}",
        ],
        ["Credit scoring engine down, loan files blocked", "Loan origination: scoring call fails with {err}"],
    ),
    _c(
        "cred_offers",
        "APP-CRED",
        "software",
        "batch",
        "medium",
        ["Offres de prêt non générées cette nuit", "Édition des offres de prêt en échec ({n} dossiers)"],
        ["Loan offers not generated overnight", "Loan offer printing failed ({n} files)"],
    ),
    _c(
        "risk_batch",
        "APP-RISK",
        "software",
        "batch",
        "medium",
        ["Calcul de risque nocturne en échec", "Chaîne {job} de calcul des risques en erreur"],
        ["Nightly risk computation failed", "Risk batch {job} ended in error"],
    ),
    _c(
        "risk_db",
        "APP-RISK",
        "database",
        "performance",
        "medium",
        ["Requêtes lentes sur la base risques {db}", "Base {db} : temps de réponse dégradés"],
        ["Slow queries on risk database {db}", "Database {db} response times degraded"],
    ),
    _c(
        "comp_feed",
        "APP-COMP",
        "software",
        "interface",
        "medium",
        ["Écritures comptables non intégrées", "Interface comptable : {n} écritures en rejet"],
        ["Accounting entries not loaded", "Accounting interface: {n} entries rejected"],
    ),
    _c(
        "comp_close",
        "APP-COMP",
        "software",
        "batch",
        "high",
        ["Clôture mensuelle comptable bloquée", "Traitement de clôture {job} en échec"],
        ["Monthly accounting close blocked", "Close job {job} failed"],
        weight=0.6,
    ),
    _c(
        "rhpa_access",
        "APP-RHPA",
        "inquiry",
        "access",
        "low",
        ["Accès refusé au portail RH", "Impossible d'accéder à mon espace RH ({user})"],
        ["Access denied to HR portal", "Cannot open my HR space ({user})"],
    ),
    _c(
        "rhpa_payslip",
        "APP-RHPA",
        "software",
        "batch",
        "medium",
        ["Bulletins de paie non générés", "Dématérialisation des bulletins de paie en échec"],
        ["Payslips not generated", "Payslip publication failed"],
        weight=0.5,
    ),
    _c(
        "ged_full",
        "APP-GED",
        "hardware",
        "storage",
        "medium",
        ["Volume de stockage GED saturé ({pct} %)", "Espace disque insuffisant sur le stockage GED"],
        ["Document storage volume full ({pct}%)", "Not enough space on document storage"],
    ),
    _c(
        "ged_index",
        "APP-GED",
        "software",
        "error",
        "low",
        ["Documents numérisés non indexés", "Indexation GED bloquée depuis {hhmm}"],
        ["Scanned documents not indexed", "Document indexing stuck since {hhmm}"],
    ),
    _c(
        "bour_feed",
        "APP-BOUR",
        "network",
        "connectivity",
        "high",
        ["Perte du flux de cotations {market}", "Flux temps réel {market} interrompu"],
        ["Lost {market} market data feed", "Real-time {market} feed down"],
    ),
    _c(
        "bour_orders",
        "APP-BOUR",
        "software",
        "error",
        "high",
        ["Ordres de bourse bloqués au statut « en attente »", "{n} ordres de bourse non transmis au marché"],
        ["Stock orders stuck in pending status", "{n} stock orders not routed to market"],
    ),
    _c(
        "kyc_id",
        "APP-KYC",
        "software",
        "interface",
        "medium",
        ["Échec de la vérification des pièces d'identité", "Contrôle des justificatifs KYC en erreur {err}"],
        ["ID document verification failing", "KYC document check returns {err}"],
    ),
    _c(
        "kyc_review",
        "APP-KYC",
        "software",
        "batch",
        "low",
        ["Revue KYC périodique en échec", "Batch de revue KYC {job} interrompu"],
        ["Periodic KYC review failed", "KYC review batch {job} aborted"],
    ),
    _c(
        "frau_latency",
        "APP-FRAU",
        "software",
        "performance",
        "high",
        ["Latence du scoring fraude supérieure à {ms} ms", "Scoring fraude lent : virements en attente"],
        ["Fraud scoring latency above {ms} ms", "Slow fraud scoring delaying transfers"],
    ),
    _c(
        "frau_fp",
        "APP-FRAU",
        "inquiry",
        "request",
        "medium",
        [
            "Hausse des faux positifs sur les virements",
            "Trop d'alertes fraude à tort depuis la mise à jour des règles",
        ],
        ["Rise in false positives on transfers", "Too many false fraud alerts since rules update"],
    ),
    _c(
        "dwh_load",
        "APP-DWH",
        "software",
        "batch",
        "medium",
        [
            "Chargement nocturne de l'entrepôt en échec",
            "Job ETL {job} en erreur, tableaux de bord non à jour",
        ],
        ["Nightly warehouse load failed", "ETL job {job} failed, dashboards stale"],
        weight=1.5,
    ),
    _c(
        "dwh_tbs",
        "APP-DWH",
        "database",
        "storage",
        "medium",
        ["Tablespace plein sur {db}", "Base {db} : tablespace à {pct} %"],
        ["Tablespace full on {db}", "Database {db}: tablespace at {pct}%"],
    ),
    _c(
        "mail_sync",
        "APP-MAIL",
        "software",
        "error",
        "low",
        ["Outlook ne se synchronise plus", "Messagerie : mails bloqués dans la boîte d'envoi"],
        ["Outlook not syncing", "Mail stuck in outbox"],
        weight=1.5,
    ),
    _c(
        "mail_quota",
        "APP-MAIL",
        "inquiry",
        "request",
        "low",
        ["Boîte aux lettres pleine, demande d'extension", "Quota de messagerie atteint ({user})"],
        ["Mailbox full, extension request", "Mailbox quota reached ({user})"],
    ),
    _c(
        "tele_softphone",
        "APP-TELE",
        "network",
        "connectivity",
        "medium",
        ["Softphone déconnecté pour les conseillers du centre de relation", "Appels coupés sur le softphone"],
        ["Softphone disconnected for contact centre advisors", "Calls dropping on softphone"],
    ),
    _c(
        "tele_ivr",
        "APP-TELE",
        "software",
        "error",
        "high",
        ["Le SVI renvoie un message d'erreur aux clients", "Serveur vocal interactif hors service"],
        ["IVR plays an error message to callers", "IVR out of service"],
    ),
    _c(
        "assu_quote",
        "APP-ASSU",
        "software",
        "error",
        "low",
        ["Erreur lors du calcul du devis habitation", "Souscription assurance : devis bloqué (code {err})"],
        ["Error when computing home insurance quote", "Insurance quote blocked ({err})"],
    ),
    _c(
        "epar_deposit",
        "APP-EPAR",
        "software",
        "batch",
        "medium",
        ["Versements sur livret A non crédités", "Versements épargne en attente depuis {hhmm}"],
        ["Savings deposits not credited", "Livret A deposits pending since {hhmm}"],
    ),
    # shared causes: raised against any application
    _c(
        "disk_full",
        None,
        "hardware",
        "storage",
        "medium",
        [
            "Disque plein sur {server} ({fs} à {pct} %)",
            "Filesystem {fs} saturé sur {server}",
            "Alerte espace disque {fs} sur {server}",
        ],
        ["Disk full on {server} ({fs} at {pct}%)", "Filesystem {fs} almost full on {server}"],
        weight=5.0,
        group="Systèmes N2",
    ),
    _c(
        "password",
        None,
        "inquiry",
        "password",
        "low",
        [
            "Demande de réinitialisation de mot de passe",
            "Mot de passe expiré, compte {user} verrouillé",
            "Compte {user} bloqué après plusieurs erreurs de mot de passe",
        ],
        ["Password reset request", "Account {user} locked out"],
        weight=6.0,
        group="Service Desk N1",
    ),
    _c(
        "vpn",
        None,
        "network",
        "vpn",
        "medium",
        [
            "Connexion VPN impossible en télétravail",
            "VPN coupé toutes les {n} minutes",
            "Accès VPN refusé ({err})",
        ],
        ["Unable to connect to VPN from home", "VPN drops every {n} minutes"],
        weight=4.0,
        group="Réseau N2",
    ),
    _c(
        "db_lock",
        None,
        "database",
        "lock",
        "high",
        ["Verrous bloquants sur la base {db}", "Sessions bloquées (deadlock) sur {db}"],
        ["Blocking locks on database {db}", "Deadlocks on {db}"],
        weight=2.0,
        group="DBA N2",
    ),
    _c(
        "cpu_high",
        None,
        "hardware",
        "server",
        "medium",
        ["CPU à {pct} % sur {server}", "Charge processeur anormale sur {server}"],
        ["CPU at {pct}% on {server}", "Abnormal CPU load on {server}"],
        weight=3.0,
        group="Systèmes N2",
    ),
    _c(
        "access_request",
        None,
        "inquiry",
        "access",
        "low",
        ["Demande d'habilitation sur {app_name}", "Droits insuffisants sur {app_name} pour {user}"],
        ["Access request for {app_name}", "Missing permissions on {app_name} for {user}"],
        weight=4.0,
        group="Habilitations",
    ),
    _c(
        "dns",
        None,
        "network",
        "dns",
        "medium",
        ["Résolution DNS en échec pour {host}", "Nom {host} introuvable depuis les postes agence"],
        ["DNS resolution failing for {host}", "Cannot resolve {host}"],
        weight=1.0,
        group="Réseau N2",
    ),
)

GREETINGS = {
    "fr": ("Bonjour,", "Bonjour à tous,", "Bonjour l'équipe,", "Hello,", "", "Bjr,"),
    "en": ("Hello team,", "Hi,", "Hello,", "", "Dear support,"),
}
INTROS = {
    "fr": (
        "Nous constatons le problème suivant : {short}.",
        "Plusieurs utilisateurs signalent : {short}.",
        "{short}.",
        "Suite à l'alerte de ce matin : {short}.",
        "Pour info, {short}.",
    ),
    "en": (
        "We are seeing the following issue: {short}.",
        "Several users report: {short}.",
        "{short}.",
        "Following this morning's alert: {short}.",
    ),
}
DETAILS = {
    "fr": (
        "Serveur concerné : {server}",
        "Code erreur : {err}",
        "Première occurrence vers {hhmm}.",
        "Environ {n} clients impactés.",
        "Capture d'écran en PJ.",
        "Le problème est intermittent.",
        "Service redémarré une première fois sans effet.",
        "Merci de traiter en priorité.",
        "Aucune mise en production récente à notre connaissance.",
        "Voir aussi le ticket INC{ref}.",
    ),
    "en": (
        "Affected server: {server}",
        "Error code: {err}",
        "First seen around {hhmm}.",
        "About {n} customers impacted.",
        "Screenshot attached.",
        "Issue is intermittent.",
        "Service restarted once, no effect.",
        "Please handle asap.",
        "Related to INC{ref}.",
    ),
}
SIGNATURES = {
    "fr": (
        "Cordialement,\n{name} – Service Desk",
        "Merci d'avance,\n{name}",
        "Bonne journée,\n{name}",
        "--\n{name}\nSupport applicatif",
        "Cdlt,\n{name}",
    ),
    "en": ("Regards,\n{name} – Service Desk", "Thanks,\n{name}", "Best,\n{name}", "--\n{name}\nAppOps"),
}
AUTO = {
    "fr": (
        "Ticket créé automatiquement par la supervision (règle {rule}).",
        "[Centreon] Alerte CRITICAL sur {server} – ticket ouvert automatiquement.",
    ),
    "en": (
        "Ticket automatically created by monitoring (rule {rule}).",
        "[Centreon] CRITICAL alert on {server} - auto-generated ticket.",
    ),
}
CLOSE_NOTES = {  # by subcategory ("*": any), then language
    "*": {
        "fr": (
            "Correctif appliqué, fonctionnement nominal constaté.",
            "Redémarrage du service sur {server}, retour à la normale.",
            "Contournement mis en place en attendant le correctif définitif.",
        ),
        "en": (
            "Fix applied, nominal behaviour observed.",
            "Service restarted on {server}, back to normal.",
            "Workaround in place pending permanent fix.",
        ),
    },
    "storage": {
        "fr": ("Purge des logs sur {fs}, espace libéré.", "Extension du volume {fs} de 50 Go."),
        "en": ("Log purge on {fs}, space freed.", "Volume {fs} extended by 50 GB."),
    },
    "batch": {
        "fr": ("Relance du traitement {job} OK.", "Reprise manuelle de la chaîne {job}, rattrapage terminé."),
        "en": ("Job {job} rerun OK.", "Manual restart of {job}, backlog processed."),
    },
    "certificate": {
        "fr": ("Certificat renouvelé et déployé sur {server}.",),
        "en": ("Certificate renewed and deployed on {server}.",),
    },
    "access": {
        "fr": ("Droits attribués, accès confirmé par l'utilisateur.",),
        "en": ("Permissions granted, access confirmed.",),
    },
    "password": {
        "fr": ("Mot de passe réinitialisé, compte {user} déverrouillé.",),
        "en": ("Password reset, account {user} unlocked.",),
    },
    "vpn": {"fr": ("Profil VPN reconfiguré sur le poste.",), "en": ("VPN profile reconfigured on laptop.",)},
    "lock": {
        "fr": ("Session bloquante tuée sur {db} après accord applicatif.",),
        "en": ("Blocking session killed on {db}.",),
    },
}
NOT_REPRODUCED = {
    "fr": "Non reproduit, clôturé après accord de l'utilisateur.",
    "en": "Could not reproduce, closed with user consent.",
}
CLOSE_CODES = (
    "Solved (Permanently)",
    "Solved (Work Around)",
    "Solved Remotely (Permanently)",
    "Solved Remotely (Work Around)",
    "Not Solved (Not Reproducible)",
    "Closed/Resolved by Caller",
)
NAMES = (
    "Jean Martin",
    "Sophie Bernard",
    "Karim Benali",
    "Claire Dubois",
    "Thomas Petit",
    "Nadia Haddad",
    "Julien Moreau",
    "Émilie Laurent",
    "Marc Lefèvre",
    "Camille Roux",
    "Yann Le Gall",
    "Inès Garcia",
)
PAGES = ("virements", "comptes", "bénéficiaires", "documents", "profil", "cartes")
PARTNERS = (
    "STET",
    "Banque de France",
    "SWIFT",
    "DGFIP",
    "URSSAF",
    "Aggregator Budgea",
    "Linxo",
    "Filiale Lux",
)
APIS = (
    "api-comptes",
    "api-virements",
    "api-cartes",
    "api-authentification",
    "api-open-banking-dsp2",
    "api-beneficiaires",
)
MARKETS = ("Euronext Paris", "Xetra", "NYSE", "LSE")
AGENCIES = (
    "Lyon Part-Dieu",
    "Paris Opéra",
    "Marseille Prado",
    "Lille Grand Place",
    "Nantes Graslin",
    "Rennes",
)
SEPA_CODES = ("AC01", "AC04", "AM04", "MD01", "MS03", "RC01", "FF01")
FILESYSTEMS = ("/var", "/opt/app", "/data", "/logs", "/tmp", "D:\\", "E:\\")
