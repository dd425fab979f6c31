"""French and English stop words, written here so that nothing is downloaded at run time.

Function words of both languages plus the words every ticket or survey answer uses
(``TICKET_WORDS``): they would otherwise top every cluster's keywords.
"""

FRENCH = """
a à afin ai aie aient aies ait alors as au aucun aucune aujourd aupres auprès aussi autre autres aux
avaient avais avait avant avec avez aviez avions avoir avons ayant c ça car ce ceci cela celle celles
celui cependant ces cet cette ceux chaque chez ci comme comment d dans de des depuis deux devrait
dois doit donc dont du elle elles en encore entre es est et etaient étaient etait était etc été être
eu eux fait faire fais faut fois font hors ici il ils j je jusqu jusque l la là le les leur leurs lors
lui m ma mais me même mes moi moins mon n ne ni non nos notre nous on ont ou où par parce pas pendant
peu peut peuvent plus pour pourquoi puis qu quand que quel quelle quelles quels qui quoi s sa sans se
sera seront ses si sien soit son sont sous suis sur t ta te tes toi ton tous tout toute toutes très
tu un une unes uns v va vers via voici voilà vos votre vous vu y
"""

ENGLISH = """
a about above after again against all am an and any are as at be because been before being below
between both but by can cannot could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just me more most my no nor
not now of off on once only or other our ours out over own same she should so some such than that the
their theirs them then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours
"""

TICKET_WORDS = """
bonjour merci cordialement cdlt hello hi thanks regards please svp ticket incident issue problème
probleme erreur error urgent info équipe team support
"""

LISTS = {"fr": FRENCH, "en": ENGLISH}


def stop_words(
    languages: tuple[str, ...] = ("fr", "en"), extra: tuple[str, ...] = (), ticket_words: bool = True
) -> list[str]:
    """Sorted, de-duplicated stop words of ``languages`` (``fr``, ``en``) plus ``extra``."""
    unknown = set(languages) - set(LISTS)
    if unknown:
        raise ValueError(f"stop words: unknown language(s) {sorted(unknown)}, expected fr or en")
    words = {w for lang in languages for w in LISTS[lang].split()}
    if ticket_words:
        words |= set(TICKET_WORDS.split())
    return sorted(words | {w.lower() for w in extra})
