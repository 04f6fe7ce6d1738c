"""What an answer sentence claims, and whether one passage states it.

Sharing words with a source proves little: a wrong name taken from the cited
sentence shares all of them, and a right one-word answer ("Apple [3]") shares
too few to count. What a reader takes away are the names, numbers and dates, so
those are the claims, and each must be backed by the passage the sentence cites
(``ungrounded`` says how far the question and the corpus may help). The kind of
answer asked for is a second, cheap test: a "when" question answered without any
time is no answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.text.vocabulary import ISO_DATE, MARKER, MONTH_STEMS, MONTH_WORDS, YEAR, is_year
from rag.text.words import STOPWORDS, content_words, fold, stem, stems

# Is this word form (folded, stemmed) one the corpus uses? (BM25's vocabulary, in the service.)
Known = Callable[[str], bool]


def also_known(known: Known, forms: set[str]) -> Known:
    """``known``, and the word forms of some text the corpus index does not hold."""
    return lambda form: form in forms or known(form)


_TOKEN = re.compile(r"\d[\d,.]*\d|[\w'’.-]+")
# "one" is left out: "the one that travelled" is a pronoun far more often than a count.
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
    if w != "one"
}
_SCALE = frozenset("hundred thousand million billion trillion dozen half percent".split())
_DAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_RELATIVE_TIME = re.compile(
    r"\b(today|tonight|yesterday|tomorrow|week|weekend|month|year|decade|century|morning|afternoon|"
    r"evening|night|hours?|minutes?|days?|ago|later|earlier|soon|spring|summer|autumn|fall|winter|"
    r"christmas|new year)\b"
)
# Capitalised words that open or link sentences without naming anything.
_NOT_NAMES = STOPWORDS | frozenset(
    "according yes however both neither either although while since because during among "
    "meanwhile instead despite following under until unless".split()
)
_PERSON_Q = re.compile(r"^\s*(?:and\s+)?(who|whom|whose)\b|\bwhich (person|official|individual)\b", re.I)
_TIME_Q = re.compile(
    r"^\s*(?:and\s+)?when\b|\b(what|which) (date|day|month|year|time)\b|\bhow long ago\b", re.I
)
_NUMBER_Q = re.compile(r"\bhow (many|much)\b|\bwhat (number|percentage|share|amount)\b", re.I)
_PLACE_Q = re.compile(
    r"^\s*(?:and\s+)?where\b|\b(in|at|to) which (city|country|state|building|town|place)\b", re.I
)


# "Which broadcaster ...?", "which crossing ...?": the answer is a thing with a name or a number.
_THING_Q = re.compile(r"\bwhich\b", re.I)


def _tokens(text: str) -> list[str]:
    return [tok for tok, _ in _tokens_with_gaps(text)]


def _tokens_with_gaps(text: str) -> list[tuple[str, bool]]:
    """(token, whether only spaces separate it from the previous token)."""
    # Citation markers ("[2]") are not numbers the answer states.
    text = MARKER.sub(" ", text)
    out, prev_end = [], 0
    for m in _TOKEN.finditer(text):
        tok = m.group().strip(".'’-")
        if tok:
            out.append((tok, not text[prev_end : m.start()].strip()))
        prev_end = m.end()
    return out


def _is_number(token: str) -> bool:
    low = fold(token)
    return any(c.isdigit() for c in low) or low in _NUMBER_WORDS or low in _SCALE


def _is_name(token: str) -> bool:
    # A sentence's first word is capitalised anyway; it is checked like a name unless it is a
    # known opener, since "Smith said ..." must not slip through.
    return token[:1].isupper() and fold(token) not in _NOT_NAMES


def claims(sentence: str) -> list[str]:
    """The names, numbers and dates ``sentence`` states, as written; a name may be several words."""
    return [" ".join(span) for span in _spans(sentence)]


_JOINERS = frozenset("of de del la le van von bin al da".split())


def _spans(sentence: str) -> list[list[str]]:
    """Numbers and dates one token each; names as runs of capitalised words ("Secretary of State")."""
    spans: list[list[str]] = []
    open_name = False
    pending: list[str] = []  # joiners seen inside a run of name words
    for tok, adjacent in _tokens_with_gaps(sentence):
        if not adjacent:  # a comma or a bracket ends a name: "Bárcena, Sandoval"
            open_name, pending = False, []
        if _is_number(tok) or _is_date(tok):
            spans.append([tok])
            open_name, pending = False, []
        elif _is_name(tok):
            if open_name:
                spans[-1] += pending + [tok]
            else:
                spans.append([tok])
            open_name, pending = True, []
        elif open_name and fold(tok) in _JOINERS and not pending:
            pending = [tok]
        else:
            open_name, pending = False, []
    return spans


def _is_date(token: str) -> bool:
    return fold(token) in MONTH_WORDS or fold(token) in _DAYS


_DECIMAL = re.compile(r"\d+\.\d+")


def _forms(token: str) -> set[str]:
    low = fold(token).replace("’", "'").removesuffix("'s").strip("'")
    # "1.5" is one figure: its digits are no claim of "5" (dates and "U.S." still split).
    parts = [] if _DECIMAL.fullmatch(low) else [p for p in re.split(r"[^\w]+", low) if p]
    forms = {low, *parts, *(stem(p) for p in parts)}
    forms |= {_NUMBER_WORDS[p] for p in parts if p in _NUMBER_WORDS}
    return forms


def vocabulary(text: str) -> set[str]:
    """Every form (folded, stemmed, number word as digits) of every word in ``text``."""
    vocab = set()
    for tok in _tokens(text):
        vocab |= _forms(tok)
    return vocab


def _known(token: str, vocab: set[str]) -> bool:
    forms = _forms(token)
    if forms & vocab:
        return True
    # "Mexican" is grounded by "Mexico": a shared stem of five letters or more.
    low = fold(token)
    return len(low) >= 5 and any(len(w) >= 5 and w[:5] == low[:5] and not w.isdigit() for w in vocab)


# "5. Joint Infrastructure Plan: ..." numbers an item of a list: it counts nothing.
_ENUMERATOR = re.compile(r"(?:^|(?<=[.!?:]\s))\d{1,2}[.)]\s+(?=[A-Z])")


def ungrounded(sentence: str, cited: str, question: str = "", known: Known = lambda form: False) -> list[str]:
    """The claims of ``sentence`` that its cited text does not back; [] when it does.

    Numbers and dates are what a small model most often takes from the wrong sentence,
    so each must be in ``cited`` itself (or be the question's own: "closed in December").
    A name must be there at least in part, so "Secretary of State Antony Blinken" may
    cite "Blinken to travel ...", its other words being ones the corpus uses (``known``,
    given a word form); a name the question gave counts as given if the corpus uses its
    last word, and so does one the cited text writes as initials ("US").
    """
    vocab, asked = vocabulary(cited), vocabulary(question)
    unlisted = _ENUMERATOR.sub(" ", cited)  # a second vocabulary only where a list item is cited
    figures = (vocab if unlisted == cited else vocabulary(unlisted)) | asked
    sentence = _ENUMERATOR.sub(" ", sentence)  # a copied "7. Labor Migration ..." claims no 7
    # Capitalised short forms in the cited text: "the Fed" backs "Federal Reserve".
    shorts = {f for t in _tokens(cited) if _is_name(t) for f in _forms(t) if len(f) >= 3 and f.isalpha()}
    # Initials only as written in capitals ("US"): "Oleg Fomenko" is not backed by "of".
    written = _tokens(f"{cited} {question}")
    acronyms = {fold(t).replace(".", "") for t in written if len(t) > 1 and t.isupper()}
    cited_spans = _spans(cited)
    bad = []
    for span in _spans(sentence):
        if _is_number(span[0]) or _is_date(span[0]):
            ok = _known(span[0], figures)
        else:
            words = [t for t in span if fold(t) not in _JOINERS]
            ok = _initials(words) in acronyms or _name_backed(words, vocab, asked, known, shorts)
            ok = ok and not _renamed(words, cited_spans, vocab | asked)
        if not ok:
            bad.append(" ".join(span))
    return bad


def _name_backed(
    words: list[str], vocab: set[str], asked: set[str], known: Known, shorts: set[str] = frozenset()
) -> bool:
    def used(word: str) -> bool:  # by the cited text or anywhere in the corpus
        return _known(word, vocab) or any(map(known, _forms(word)))

    def cited(word: str) -> bool:
        low = fold(word)
        return _known(word, vocab) or any(low.startswith(s) and low != s for s in shorts)

    if any(cited(w) for w in words) and all(used(w) for w in words):
        return True
    # A name the question gave must still end in a word the articles use: "What did Senator
    # Bob Menendez say?" gets no quote from articles that never name Menendez, while
    # "Attorney General Letitia James" stands where the excerpts only say "James".
    return all(_known(w, asked) for w in words) and used(words[-1])


# Words that stand before a surname without being a first name: "President Biden" may cite "Joe Biden".
_TITLES = frozenset(
    "president secretary minister senator governor mayor general chairman chairwoman chief judge "
    "justice mr mrs ms dr sir lord lady king queen prince princess pope coach captain director "
    "ambassador commissioner representative rep sen gov gen sheriff officer agent former".split()
)


def _renamed(words: list[str], cited_spans: list[list[str]], vocab: set[str]) -> bool:
    """Whether a name gives the cited text's surname another first name: "Mark Mitchell" on
    a passage that says "Paul Mitchell" is a person no article names, though each word,
    taken alone, is one the corpus uses."""
    if len(words) < 2 or fold(words[-2]) in _TITLES or _known(words[-2], vocab):
        return False
    last = _forms(words[-1])
    given = [s[i - 1] for s in cited_spans for i in range(1, len(s)) if _forms(s[i]) & last]
    return any(_is_name(g) and not _is_number(g) for g in given)


def _initials(words: list[str]) -> str:
    return "".join(fold(w)[0] for w in words) if len(words) > 1 else ""


def new_claims(sentence: str, question: str) -> list[str]:
    """Claims of ``sentence`` that the question did not already make."""
    asked = vocabulary(question)
    return [" ".join(s) for s in _spans(sentence) if not all(_known(t, asked) for t in s)]


def named(sentence: str, question: str) -> set[str]:
    """The words of the names and figures ``sentence`` states that the question did not
    ("Donald Trump [1]" -> {"donald", "trump"}), folded; dates and number words ("two") left
    out, which any two sentences about one event share."""
    return {
        fold(t)
        for claim in new_claims(sentence, question)
        for t in claim.split()
        if any(c.isdigit() for c in t) or (_is_name(t) and not _is_date(t) and not _is_number(t))
    }


def answer_kind(question: str) -> str | None:
    """'person', 'time', 'number', 'place' or 'thing' when the question asks for one; else None."""
    for kind, pattern in (
        ("time", _TIME_Q),
        ("number", _NUMBER_Q),
        ("person", _PERSON_Q),
        ("place", _PLACE_Q),
        ("thing", _THING_Q),
    ):
        if pattern.search(question):
            return kind
    return None


_TIME_UNIT = re.compile(r"\b(?:which|what) (year|month|day of the week)\b", re.I)
_UNIT_TEST: dict[str, Callable[[str], bool]] = {
    "year": is_year,
    "month": lambda t: t in MONTH_WORDS,
    "day of the week": lambda t: t in _DAYS,
}


def has_kind(answer: str, kind: str | None, question: str = "") -> bool:
    """Whether ``answer`` contains something of the kind asked for (always, for no kind)."""
    if kind is None:
        return True
    toks = _tokens(answer)
    if kind == "number":
        return any(_is_number(t) for t in toks)
    if kind == "time":
        unit = _TIME_UNIT.search(question)
        if unit:  # "In which year ...?" is not answered by "in May"
            return any(_UNIT_TEST[unit.group(1).lower()](fold(t)) for t in toks)
        folded = fold(answer)
        return any(fold(t) in MONTH_WORDS or fold(t) in _DAYS or _is_number(t) for t in toks) or bool(
            _RELATIVE_TIME.search(folded)
        )
    if kind == "thing":  # a name, number or date the question did not already give
        return bool(new_claims(answer, question))
    # A person or a place is a name the question did not already give: a word of it the
    # question lacks, or a name of several words the question does not write ("Mexico City"
    # for "... the US and Mexican governments ...": each word alone is the question's).
    asked, written = vocabulary(question), f" {fold(question)} "
    names = [s for s in _spans(answer) if _is_name(s[0])]
    def new(span: list[str]) -> bool:
        unwritten = len(span) > 1 and f" {fold(' '.join(span))} " not in written
        return unwritten or any(not _known(t, asked) for t in span)

    return any(new(span) for span in names)


def adds_nothing(answer: str, question: str) -> bool:
    """Whether ``answer`` only restates the question ("Which broadcaster reproduced his
    statements?" -> "The broadcaster reproduced his statements [3]."): a small model's way of
    answering without an answer, and with a citation it looks like a sourced one."""
    return not (_verb_stems(answer) - _verb_stems(question)) and not new_claims(answer, question)


# "Lukesville (Arizona)": a bracket qualifies the name before it (also rag/answer/lists.py).
BRACKETED = re.compile(r"\([^)]*\)")


def only_qualifiers(answer: str, question: str, cited: list[str]) -> bool:
    """Whether every name the answer adds stands in the cited passages only in brackets.

    "Eagle Pass (Texas) with Piedras Negras (Coahuila)": a bracket qualifies the name
    before it, so "Coahuila [1]" for "Which Mexican city lies across from El Paso?" names
    where the city is, not the city.
    """
    names = [c for c in new_claims(answer, question) if not any(_is_number(t) for t in c.split())]
    if not names:
        return False
    text = " ".join(cited)
    outside = fold(BRACKETED.sub(" ", text))
    inside = fold(" ".join(_qualifiers(text, question)))
    return all(fold(n) in inside and fold(n) not in outside for n in names)


def _qualifiers(text: str, question: str) -> list[str]:
    """The brackets of ``text`` that qualify a name the question does not ask about: "In which
    state is Ciudad Juárez?" is answered by the "(Chihuahua)" after "Ciudad Juárez"."""
    asked = vocabulary(question)
    out = []
    for m in re.finditer(r"\(([^)]*)\)", text):
        before = _spans(text[: m.start()])
        owner = [t for t in before[-1] if fold(t) not in _JOINERS] if before else []
        if not owner or not all(_known(t, asked) for t in owner):
            out.append(m.group(0))
    return out


# Past tenses the suffix stripper cannot meet with their base form: "What did they eat?"
# answered "They ate at the palace" restates the question as much as "They eat" would.
_PAST = dict(
    pair.split(":")
    for pair in (
        "ate:eat met:meet won:win led:lead said:say went:go took:take made:make held:hold "
        "gave:give sent:send told:tell spoke:speak saw:see came:come began:begin left:leave "
        "found:find paid:pay brought:bring wrote:write chose:choose flew:fly ran:run "
        "stood:stand kept:keep sought:seek bought:buy sold:sell lost:lose"
    ).split()
)


def _verb_stems(text: str) -> set[str]:
    return {stem(_PAST.get(w, w)) for w in content_words(text)}


def off_topic(question: str, cited: list[str]) -> bool:
    """Whether the cited passages share no content word with the question: a name taken
    from a passage about something else ("Who won on Christmas Day?" -> a player from a
    passage about another game) has nothing tying it to what was asked."""
    asked = stems(question)
    return bool(asked) and not asked & stems(" ".join(cited))


# An ISO date whose year is a year (1500-2099); its month is read from characters 5-6.
_ISO_DATE = re.compile(rf"\b(?={YEAR}-){ISO_DATE}")


def _periods(text: str) -> set[str]:
    """The months (as three letters) ``text`` names; ISO dates count too. Years are left
    out: a question gives them as attributes ("founded in 2015") more often than as the
    period asked about."""
    # "may" is a verb far more often than a month; an ISO date's 05 is not ambiguous.
    found = {fold(t)[:3] for t in _tokens(text) if fold(t) in MONTH_WORDS and fold(t) != "may"}
    found |= {MONTH_STEMS[int(d[5:7]) - 1] for d in _ISO_DATE.findall(text) if 1 <= int(d[5:7]) <= 12}
    return found


def other_period(question: str, cited: list[str]) -> bool:
    """Whether the question asks about a month that the cited passages do not name
    while they name others: "How many crossed in October?" answered from a sentence about
    December is an answer about something else."""
    asked = _periods(question)
    stated = _periods(" ".join(cited))
    return bool(asked and stated) and not asked & stated


_CLAUSE = re.compile(r",\s|;\s|\s(?:and|but|while|whereas)\s")


def figure_of_other_period(question: str, answer: str, cited: list[str]) -> bool:
    """Whether every clause that gives the answer's figure names a month, but not the one
    asked about: "How many arrived in the first days of December?" answered with the
    242,000 of "... detained 242,000 in November and detected a spike in December"."""
    asked = _periods(question)
    figures = {t for t in _tokens(answer) if _is_number(t) and not _is_date(t)}
    if not asked or not figures or asked & _periods(answer):  # it says what it is about
        return False
    clauses = [c for text in cited for c in _CLAUSE.split(text) if figures & set(_tokens(c))]
    return bool(clauses) and all(_periods(c) and not asked & _periods(c) for c in clauses)
