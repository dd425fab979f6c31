"""Ticket text cleaning: keep what describes the problem, drop what every ticket says.

Greetings, signatures, monitoring boilerplate ("ticket created automatically…"), reporting
phrases ("Several users report:") and attachments notes are the same across causes: left in,
they pull embeddings and keywords towards the writer instead of the problem. French and English.
"""

import re

GREETING = re.compile(
    r"^\s*(bonjour|bonsoir|bjr|salut|hello|hi|hey|dear\s+\w+|cher\w*\s+\w+)\b[^\n]{0,30}[,!.]?\s*$",
    re.IGNORECASE,
)
SIGNATURE = re.compile(  # a line that starts the signature block: everything below it goes
    r"^\s*(--+|cordialement|bien\s+cordialement|cdlt|bien\s+à\s+vous|merci(\s+d'avance|\s+par\s+avance)?"
    r"|bonne\s+(journée|soirée)|regards|best\s+regards|kind\s+regards|best|thanks|thank\s+you|cheers)"
    r"\s*[,.!]?\s*$",
    re.IGNORECASE,
)
BOILERPLATE = re.compile(
    r"(ticket\s+(créé|ouvert)\s+automatiquement[^.\n]*\.?|ticket\s+automatically\s+created[^.\n]*\.?"
    r"|auto-generated\s+ticket\.?|\[centreon\]\s*alerte?\s+\w+\s+(sur|on)\s+\S+\s*[-–]?"
    r"|capture\s+d'écran\s+en\s+pj\.?|screenshot\s+attached\.?|merci\s+de\s+traiter\s+en\s+priorité\.?"
    r"|please\s+handle\s+asap\.?|pj\s*:\s*\S+)",
    re.IGNORECASE,
)
REPORTING = re.compile(
    r"^\s*(nous\s+constatons\s+le\s+problème\s+suivant|plusieurs\s+utilisateurs\s+signalent"
    r"|suite\s+à\s+l'alerte\s+de\s+ce\s+matin|pour\s+info|we\s+are\s+seeing\s+the\s+following\s+issue"
    r"|several\s+users\s+report|following\s+this\s+morning's\s+alert)\s*[:,]\s*",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(r"\[[A-Z_]{2,}\]|<[A-Z_]{2,}>")  # redaction tokens such as [EMAIL]
SPACES = re.compile(r"\s+")


def _body_lines(description: str) -> list[str]:
    lines = []
    for line in description.splitlines():
        if SIGNATURE.match(line):
            break
        if GREETING.match(line):
            continue
        line = REPORTING.sub("", BOILERPLATE.sub(" ", line)).strip(" .-–")
        if line:
            lines.append(line)
    return lines


def _norm(text: str) -> str:
    return SPACES.sub(" ", text).strip().lower().rstrip(".")


def clean_ticket_text(short_description: str | None, description: str | None) -> str:
    """Short description then the description's useful lines, one space-separated string.

    A description line that repeats the short description is dropped; redaction placeholders
    are removed. Returns "" when nothing is left.
    """
    short = (short_description or "").strip()
    parts = [short] if short else []
    seen = {_norm(short)} if short else set()
    for line in _body_lines(description or ""):
        if _norm(line) not in seen and not (short and _norm(line) in _norm(short)):
            seen.add(_norm(line))
            parts.append(line)
    text = ". ".join(p.rstrip(". ") for p in parts)
    return SPACES.sub(" ", PLACEHOLDER.sub(" ", text)).strip()
