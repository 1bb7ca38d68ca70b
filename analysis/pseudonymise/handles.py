"""Social media handles and links for ``analysis.pseudonymise``: handles (@name), profile
links and the like written in a transcript, handles spoken aloud ("my Snapchat is
kimmie_04"), and the ways a name is spelled without its diacritics, as a handle would
spell it.
"""

import re
import unicodedata
from collections.abc import Iterable

_FOLD = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "œ": "oe"})
_FOLD_LONG = str.maketrans({"ä": "ae", "ö": "oe", "ø": "oe", "å": "aa", "æ": "ae", "ü": "ue"})


def folds(word: str) -> set[str]:
    """The ways a name is spelled without its diacritics: "ekström" -> {"ekstrom", "ekstroem"},
    lowercased, letters and digits only (a handle or link rarely keeps them)."""
    lower = word.lower()
    found = set()
    for table in (_FOLD, _FOLD_LONG):
        plain = unicodedata.normalize("NFKD", lower.translate(table))
        found.add("".join(c for c in plain if c.isalnum() and not unicodedata.combining(c)))
    return {f for f in found if f}


#: "@viggo_ekstrom": an @ that does not end an e-mail address's local part
HANDLE = re.compile(r"(?<![\w@.+-])@[^\W_](?:[\w.]*\w)?")
SOCIAL = re.compile(
    r"(?<![\w./@-])(?:https?://)?(?:www\.|m\.|vm\.)?(?:instagram|facebook|fb|tiktok|twitter|x|"
    r"youtube|youtu|snapchat|linkedin|twitch|threads|github|soundcloud|pinterest|tumblr|"
    r"onlyfans|discord|reddit|vimeo|spotify|t|wa|kik)\.(?:com|net|me|tv|gg|be|se|dk)/[\w.@%/~+-]*[\w/]",
    re.IGNORECASE,
)
LINK = re.compile(
    r"(?<![\w./@-])(?:https?://\S+|www\.\S+|[\w-]+(?:\.[\w-]+)*\.(?:se|dk|nu|com|org|net|io|me|"
    r"co\.uk|uk|blog)(?:/\S*)?)(?<![.,;:!?)»”\"'])",
    re.IGNORECASE,
)


def handles_and_links(text: str, register: Iterable[str]) -> Iterable[tuple[int, int]]:
    """Every @handle and social media link; any other link when it spells a name from the
    register, with or without its diacritics ("viggoekstrom.se" for Viggo Ekström)."""
    for match in HANDLE.finditer(text):
        yield match.start(), match.end()
    for match in SOCIAL.finditer(text):
        yield match.start(), match.end()
    spelled = {f for name in register for f in folds(name) if len(f) >= 3}
    if spelled:
        for match in LINK.finditer(text):
            link = "".join(c for c in match.group().lower() if c.isalnum())
            if any(name in link for name in spelled):
                yield match.start(), match.end()


#: apps and games where a young person has a name: the word before a handle said aloud
PLATFORMS = (
    "snap|snapchat|insta|instagram|ig|tiktok|discord|facebook|fb|kik|telegram|whatsapp|twitter|"
    "x|threads|twitch|steam|psn|xbox|roblox"
)
#: a platform word, a naming word ("heter", "hedder", "called") or a word for the name itself
_HANDLE_CUE = re.compile(
    rf"(?<![\w.@/-])(?:(?P<platform>{PLATFORMS})(?:-?(?:namn|namnet|navn|navnet|name|konto|"
    r"kontot|kontoen|account))?|heter|hette|hetat|hedder|hed|hedde|named|called|username|"
    r"användarnamn|användarnamnet|brugernavn|brugernavnet|handle)(?![\w-])",
    re.IGNORECASE,
)
#: what is said between a platform word and the handle: ":" or "är", "er", "is"
_HANDLE_SAYS = re.compile(r"[^\S\n]*(?::|[^\S\n](?:är|er|is|=))[^\S\n]+", re.IGNORECASE)
#: a handle, with a Discord tag ("kevve#1234")
_HANDLE_WORD = re.compile(r"(?<![\w.@/])(?:[^\W_][\w.]*[^\W_]|[^\W_])(?:#\d{4}(?!\d))?")


def handle_shaped(word: str) -> bool:
    """ "mirre_2005", "frejaxo2005", "moa.lundin05": an underscore, or letters and digits mixed
    (not "3d", "mp3", "90s", "2000-talet")."""
    letters = sum(c.isalpha() for c in word)
    mixed = re.search(r"[^\W\d_]\d|\d[^\W\d_]", word) is not None
    return letters >= 2 and len(word) >= 4 and ("_" in word or mixed) and not re.fullmatch(
        r"\d+(?:s|tal|talet|årsåldern)?", word, re.IGNORECASE)  # fmt: skip


def spoken_handles(text: str, words: frozenset[str]) -> Iterable[tuple[int, int]]:
    """Handles said or written without "@": a handle-shaped word ("mirre_2005") a few words
    after a platform or naming word ("på snap heter jag mirre_2005", "jeg hedder
    frejaxo2005"), or any word that is no ordinary word (``words``) right after "snap:" or
    "min snap är"."""
    for cue in _HANDLE_CUE.finditer(text):
        platform = cue.group("platform")
        says = _HANDLE_SAYS.match(text, cue.end())
        if platform and says:
            word = _HANDLE_WORD.match(text, says.end())
            if word and word.group().lower() not in words and not word.group().isdigit():
                yield word.start(), word.end()
                continue
        # a handle-shaped word in the rest of the clause: four words after a platform, two
        # after a naming word ("heter jag mirre_2005")
        reach = 4 if platform and platform.lower() != "x" else 2 if not platform else 0
        clause = re.split(r"[.!?;\n](?:\s|$)", text[cue.end() : cue.end() + 120], maxsplit=1)[0]
        for number, word in enumerate(_HANDLE_WORD.finditer(clause)):
            if number >= reach:
                break
            if handle_shaped(word.group()):
                yield cue.end() + word.start(), cue.end() + word.end()
                break
