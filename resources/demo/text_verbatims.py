"""Text pieces of the demo IRC Flash survey answers: fragments by tone, agencies, products.

A fragment is ``(channel or None, text)``: fragments tied to the answer's channel are favoured.
"""

from __future__ import annotations

POSITIVE = (
    ("agence", "Conseiller très à l'écoute et de bon conseil."),
    ("agence", "Accueil chaleureux en agence."),
    ("agence", "Ma conseillère est toujours disponible et réactive."),
    (None, "Rapidité de traitement de ma demande, merci !"),
    ("appli", "Appli pratique et facile à utiliser."),
    ("appli", "Virement instantané très pratique depuis l'appli."),
    ("appli", "Opposition carte faite en deux minutes depuis l'appli."),
    ("appli", "Notifications en temps réel très utiles."),
    ("site", "Site clair, j'ai trouvé tout de suite ce que je cherchais."),
    ("site", "Simulation de crédit claire et rapide."),
    ("téléphone", "Interlocuteur aimable qui a réglé mon problème en une fois."),
    ("téléphone", "Très peu d'attente au téléphone."),
    (None, "Déblocage du prêt immobilier dans les temps, parfait."),
    (None, "Très satisfait de ma banque depuis des années."),
    (None, "Service efficace et courtois."),
    (None, "Réponse rapide via la messagerie sécurisée."),
    (None, "Rien à redire, tout est fluide."),
    (None, "Top !"),
)
NEGATIVE = (
    ("appli", "L'appli plante à chaque connexion depuis la mise à jour."),
    ("appli", "Appli qui plante sans arrêt."),
    ("appli", "Authentification forte trop compliquée, impossible de valider mes paiements."),
    ("appli", "Impossible de voir mes comptes, l'écran tourne dans le vide."),
    ("téléphone", "Attente interminable au téléphone, {n} minutes pour avoir quelqu'un."),
    ("téléphone", "On m'a transféré trois fois et personne n'a pu répondre."),
    ("agence", "Impossible de joindre mon conseiller."),
    ("agence", "Agence fermée sans prévenir."),
    ("agence", "Changement de conseiller sans être prévenu."),
    ("site", "Le site est très lent le soir."),
    ("site", "Déconnecté en plein virement, j'ai dû tout recommencer."),
    (None, "Frais bancaires beaucoup trop élevés."),
    (None, "Carte bloquée sans explication, j'ai dû appeler trois fois."),
    (None, "Virement en retard de plusieurs jours."),
    (None, "Dossier de prêt qui traîne depuis des semaines."),
    (None, "Prélèvement passé deux fois sur mon compte."),
    (None, "Aucune réponse à mes mails."),
    (None, "Frais de tenue de compte en hausse encore cette année."),
)
NEUTRAL = (
    (None, "Correct dans l'ensemble mais peut mieux faire."),
    ("agence", "Conseiller sympa mais délais trop longs."),
    ("appli", "Appli pratique mais bugs fréquents."),
    (None, "RAS."),
    (None, "Service correct, sans plus."),
    (None, "Bien, mais les frais augmentent chaque année."),
    ("appli", "Satisfait du conseiller, moins de l'appli."),
    ("téléphone", "Réponse obtenue mais après un long moment d'attente."),
    ("site", "Site complet mais pas très intuitif."),
    (None, "Moyen."),
)
ENGLISH = {
    "pos": ("Great service, quick answer.", "Very helpful advisor.", "The app is easy to use."),
    "neu": ("OK overall.", "Fine, but fees are high."),
    "neg": ("App keeps crashing.", "Waited ages on the phone.", "Card blocked for no reason."),
}
TAILS = {
    "pos": ("", "", " Merci !", " Je recommande.", " Continuez comme ça."),
    "neu": ("", "", " Bref.", " À voir."),
    "neg": ("", "", " Très déçu.", " Je vais changer de banque.", " Inadmissible !!", " Déçue."),
}
CRASH = "L'appli plante à chaque connexion depuis la mise à jour."

CHANNELS = ("appli", "site", "agence", "téléphone")
CHANNEL_P = (0.4, 0.2, 0.25, 0.15)
PRODUCTS = (
    "compte courant",
    "carte bancaire",
    "banque mobile",
    "crédit immobilier",
    "livret A",
    "assurance habitation",
    "crédit consommation",
    "assurance vie",
)
PRODUCT_P = (0.3, 0.2, 0.15, 0.08, 0.1, 0.07, 0.05, 0.05)
AGENCIES = tuple(
    f"Agence {a}"
    for a in (
        "Lyon Part-Dieu",
        "Paris Opéra",
        "Paris La Défense",
        "Marseille Prado",
        "Bordeaux Chartrons",
        "Toulouse Capitole",
        "Nantes Graslin",
        "Lille Grand Place",
        "Strasbourg Kléber",
        "Rennes République",
        "Montpellier Comédie",
        "Nice Masséna",
        "Grenoble Victor Hugo",
        "Dijon Darcy",
        "Tours Jean Jaurès",
        "Angers Ralliement",
        "Reims Cathédrale",
        "Rouen Vieux-Marché",
        "Clermont-Ferrand Jaude",
        "Brest Siam",
        "Metz Saint-Louis",
        "Versailles Notre-Dame",
        "Annecy Bonlieu",
        "Aix-en-Provence Mirabeau",
        "Le Mans Jacobins",
    )
)

FIRST_NAMES = (
    "marie",
    "jean",
    "nathalie",
    "pierre",
    "sophie",
    "michel",
    "isabelle",
    "philippe",
    "camille",
    "lucas",
)
LAST_NAMES = (
    "Dupont",
    "Martin",
    "Durand",
    "Lefebvre",
    "Moreau",
    "Girard",
    "Bonnet",
    "Fontaine",
    "Rousseau",
    "Mercier",
)
MAIL_DOMAINS = ("gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "sfr.fr", "wanadoo.fr")
PII_SENTENCES = {
    "email": (
        "Merci de me recontacter à {email}.",
        "Vous pouvez m'écrire sur {email} svp.",
        "Mon mail : {email}",
    ),
    "phone": (
        "Vous pouvez me joindre au {phone}.",
        "Rappelez-moi au {phone} s'il vous plaît.",
        "Tel : {phone}",
    ),
    "iban": (
        "Mon IBAN pour le remboursement : {iban}.",
        "IBAN du compte concerné : {iban}",
        "Compte {iban}.",
    ),
    "name": ("Bonjour, je suis {civ} {last}, {body}", "Bonjour, {civ} {last} ici : {body}"),
    "customer": ("Je suis client n° {cid} depuis 15 ans.", "Mon numéro client : {cid}.", "(client n°{cid})"),
}
