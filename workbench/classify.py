"""Declared flows → resource classes of ``lib/resources/resource_classes.csv``.

Companies describe their flows in their own words: abbreviations (``acq. demi``,
``E.E. F1-F3``), typos (``rotami ferrosi``), trade or sector names (``eternit``,
``marmettola``, ``scotta``), Italian or English. The classifier weighs four kinds of
evidence, always within the flow's matrix first:

1. **EER code** (the strongest single clue for waste): the classes that list the code.
2. **Aliases** of each class found in the description, as whole words, after
   accent/punctuation normalisation, expansion of abbreviated words (``desolforaz.``)
   and correction of typos against the alias vocabulary (``rapidfuzz``). Where aliases
   overlap, the longest wins (``acqua calda di processo`` beats ``acqua calda``); an
   alias shared by several classes counts less in each.
3. **Direction**: a class has a ``role`` (``out`` waste/by-product, ``in`` virgin
   input, ``both``); a class of the wrong role is penalised, not excluded
   (``gesso`` bought is natural gypsum, ``gesso`` sold is FGD gypsum).
4. **Temperature** (and pressure, ``40 bar``) places heat on its level and steam on
   its pressure class.

Every result carries a confidence in [0, 1] and the evidence used, so that the analyst
sees what to check; an analyst's override (:func:`set_override`) is stored in the store
table ``resource_overrides`` and wins over the classifier from then on
(:func:`apply_overrides`).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np
import pandas as pd

from .reference import eer_codes, resource_classes, substitution_rules

#: Temperature bounds of the waste-heat classes (lower bound exclusive). [°C]
HEAT_LEVELS_C = ((150.0, "calore_alta_temperatura"), (60.0, "calore_media_temperatura"),
                 (-np.inf, "calore_bassa_temperatura"))
_HEAT_CLASSES = {name for _, name in HEAT_LEVELS_C}
#: Steam above this gauge pressure is ``vapore_alta`` (class boundary of lib). [bar]
STEAM_HIGH_PRESSURE_BAR = 10.0
#: Saturation temperature of steam at 10 bar(g) ≈ 184 °C (IAPWS-IF97 steam tables):
#: steam declared hotter than this is taken as high-pressure. [°C]
STEAM_HIGH_TEMPERATURE_C = 184.0

CONFIDENCE_EER = 0.9
CONFIDENCE_EER_AND_TEXT = 0.97
CONFIDENCE_EER_AMBIGUOUS = 0.75
CONFIDENCE_TEXT_MAX = 0.85
#: Highest confidence of a class found only through single words of its vocabulary. [-]
CONFIDENCE_WORDS_ONLY = 0.55
#: Multipliers of the confidence for weaker evidence. [-]
PENALTY_ROLE = 0.35          # score of a class whose role contradicts the direction
PENALTY_OTHER_MATRIX = 0.7   # class found only outside the declared matrix
PENALTY_FUZZY = 0.95         # a typo had to be corrected to find the class
#: Score added to the classes named by the EER code (an alias of 2–3 words can still
#: beat it when it names a more specific class, e.g. ``loppa granulata`` with 10 02 02).
EER_SCORE = 2.5
#: Minimum similarity (rapidfuzz ratio, 0–100) to correct a word to a vocabulary word,
#: by word length: short words need a closer match.
FUZZY_CUTOFF = ((8, 85.0), (6, 85.0), (4, 86.0))
#: Weight of an alias found in the purpose clause (after "per"). [-]
PURPOSE_WEIGHT = 0.5
#: Weight of a multi-word alias whose words occur but not next to each other. [-]
GAP_WEIGHT = 0.6
#: Below this score the evidence is too weak to name a class (one generic word). [-]
MIN_SCORE = 0.3
#: Weight of a description word that is not part of a matched alias, per class holding
#: it, divided by the number of such classes. [-]
WORD_WEIGHT = 0.4

#: Common abbreviations in questionnaires (after normalisation, without the dot).
ABBREVIATIONS: dict[str, str] = {
    "acq": "acqua", "h2o": "acqua", "raffr": "raffreddamento", "rott": "rottami",
    "fang": "fanghi", "dep": "depurazione", "depur": "depurazione", "imb": "imballaggi",
    "comb": "combustibile", "riscald": "riscaldamento", "ris": "riscaldamento",
    "ee": "energia elettrica", "en": "energia", "el": "elettrica", "elettr": "elettrica",
    "sott": "sottoprodotto", "sottoprod": "sottoprodotto", "nat": "naturale",
    "ind": "industriale", "ind.le": "industriale", "proc": "processo", "lav": "lavaggio",
    "ac": "acqua", "pot": "potabile", "smalt": "smaltimento", "vap": "vapore",
    "cald": "caldaia", "cart": "cartone", "plast": "plastica", "legn": "legno",
    "olii": "oli", "gn": "gas naturale", "fv": "fotovoltaico", "pv": "fotovoltaico",
}


def normalise_text(text: str) -> str:
    """Lowercase, strip accents and punctuation, collapse spaces: ``'Acqua  Demi.'`` → ``' acqua demi '``."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9&]+", " ", text.lower())
    return f" {text.strip()} "


#: Function words ignored by the word-level evidence.
STOPWORDS = frozenset("""da di del della dello dei degli delle dal dalla dai dagli dalle e ed
per in a al alla ai agli alle con non su sul sulla tra fra il lo la i gli le un uno una
the of from and for with to by or at on as vari vario varia varie altro altri altre
divers generic roba""".split())


#: Common words of questionnaires that are not in the alias vocabulary and must never be
#: "corrected" into a vocabulary word (``cantiere`` is not ``cartiere``).
PLAIN_WORDS = frozenset("""cantiere cantieri impianto impianti reparto reparti produzione
lavorazione lavorazioni stabilimento stabilimenti officina officine magazzino magazzini ufficio
uffici manutenzione pulizia linea linee macchina macchine centrale deposito piazzale banchina
nave navi porto mensa laboratorio laboratori servizi servizio capannone area zona esterno interno
annuo annua mensile totale materiale materiali prodotto prodotti nautico nautica navale
generale generali ausiliari ausiliario consumo consumi esauriti esaurito esaurita dismesso
dismessi dismesse vecchio vecchi nuovo nuovi nuova nuove pulito pulita sporco sporca trattato
trattata trattati trattate misto mista rotto rotti rotte usato usata usati usate""".split())


#: Generic words: no evidence on their own (kept inside aliases, ignored word by word).
GENERIC_WORDS = frozenset("""produzione lavorazione lavorazioni materiale materiali prodotto prodotti
impianto impianti stabilimento reparto generale generali consumo consumi esauriti esaurito
manutenzione servizi servizio""".split())


def stem(word: str) -> str:
    """Light Italian/English stem so that singular and plural meet: ``fanghi``/``fango``
    → ``fang``, ``acque``/``acqua`` → ``acqu``, ``pallets`` → ``pallet``."""
    if len(word) < 5 or word.isdigit():
        return word
    if word.endswith(("chi", "ghi", "che", "ghe")):
        return word[:-2]
    if word[-1] in "aeio":
        return word[:-1]
    if word[-1] == "s" and word[-2] not in "s":
        return word[:-1]
    return word


def _generic_stems() -> frozenset:
    return frozenset(stem(w) for w in GENERIC_WORDS)


def stem_text(text: str) -> str:
    """:func:`stem` applied to every word of a normalised text (keeps the padding)."""
    return " " + " ".join(stem(w) for w in text.split()) + " "


def normalise_eer(code) -> str | None:
    """``'10 01 05*'``, ``'10.01.05'``, ``100105`` → ``'100105'``; None when empty."""
    if code is None or (isinstance(code, float) and np.isnan(code)):
        return None
    digits = re.sub(r"\D", "", str(code))
    if len(digits) == 5:  # a leading zero lost by a spreadsheet: 20101 → 020101
        digits = "0" + digits
    return digits or None


GENERIC_STEMS = _generic_stems()


# --------------------------------------------------------------------------- the index
@dataclass
class Classifier:
    """The alias/EER index of the resource classes, built once from ``lib/``.

    Attributes
    ----------
    classes : DataFrame — ``resource_classes()`` indexed by ``resource``.
    aliases : dict — first stem → list of (stemmed alias, resource, words, weight).
    eer : dict — EER code (6, 4 or 2 digits) → tuple of classes, in file order.
    vocabulary : list of str — every word of every alias (for typo correction).
    word_classes : dict — stem → classes whose aliases or names contain it.
    counterparts : dict — input-only class → output classes that substitution rules
        let replace it (an output declared in the words of an input, e.g. ``olio
        lubrificante usato``, is the waste counterpart of that input).

    Notes
    -----
    The weight of an alias is the sum over its words of ``(1/df)**0.5`` (``df``: the
    number of classes whose vocabulary holds the word; specific words weigh more),
    plus 0.5 for a phrase of several words, divided by the number of classes that list
    the alias. Words of the description that are not part of a matched alias still add
    ``WORD_WEIGHT/df`` to every class holding them.
    """

    classes: pd.DataFrame
    aliases: dict[str, list[tuple[str, str, int, float]]]
    eer: dict[str, tuple[str, ...]]
    vocabulary: list[str]
    word_classes: dict[str, frozenset] = field(default_factory=dict)
    counterparts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    eer_descriptions: dict[str, str] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_lib(cls) -> "Classifier":
        """Build the index from ``lib/resources/resource_classes.csv``."""
        classes = resource_classes()
        entries: dict[str, set[str]] = {}
        word_classes: dict[str, set[str]] = {}
        raw_words: set[str] = set()
        for row in classes.itertuples():
            for alias in list(filter(None, row.aliases.split("|"))) + [row.name_it, row.name_en]:
                text = normalise_text(alias)
                raw_words.update(w for w in text.split() if len(w) >= 3)
                text = stem_text(text).strip()
                if text:
                    entries.setdefault(text, set()).add(row.resource)
                    for word in text.split():
                        if word not in STOPWORDS:
                            word_classes.setdefault(word, set()).add(row.resource)
        aliases: dict[str, list] = {}
        for text, owners in entries.items():
            words = text.split()
            content = [w for w in words if w not in STOPWORDS] or words
            specificity = sum((1.0 / len(word_classes.get(w, {0}))) ** 0.5 for w in content)
            # a phrase listed by several classes is split among them; a single word's
            # df already says how many classes share it
            weight = (specificity + 0.5) / len(owners) if len(content) > 1 else specificity
            for resource in sorted(owners):
                aliases.setdefault(words[0], []).append((text, resource, len(words), weight))
        eer: dict[str, list[str]] = {}
        for row in classes.itertuples():
            for code in filter(None, row.eer_codes.split("|")):
                lst = eer.setdefault(code, [])
                if row.resource not in lst:
                    lst.append(row.resource)
        vocabulary = sorted(raw_words - STOPWORDS)
        descriptions = dict(zip(eer_codes()["code"], eer_codes()["description_en"]))
        role = dict(zip(classes["resource"], classes["role"]))
        matrix = dict(zip(classes["resource"], classes["matrix"]))
        counterparts: dict[str, list[str]] = {}
        for rule in substitution_rules().itertuples():
            src, tgt = rule.source_resource, rule.target_resource
            if role.get(tgt) == "in" and role.get(src) in ("out", "both") \
                    and matrix.get(src) == matrix.get(tgt):
                lst = counterparts.setdefault(tgt, [])
                if src not in lst:
                    lst.append(src)
        return cls(classes.set_index("resource"), aliases,
                   {k: tuple(v) for k, v in eer.items()}, vocabulary,
                   {k: frozenset(v) for k, v in word_classes.items()},
                   {k: tuple(v) for k, v in counterparts.items()}, descriptions)

    # ---------------------------------------------------------------- text handling
    def prepare(self, description: str) -> tuple[str, bool]:
        """Normalised text with abbreviations expanded and typos corrected.

        Returns
        -------
        (text, corrected) — ``corrected`` is True when a typo had to be corrected.
        """
        raw = unicodedata.normalize("NFKD", str(description or "")).encode("ascii", "ignore").decode().lower()
        # a word followed by a dot is an abbreviation candidate: "desolforaz." "acq."
        abbreviated = {m.group(1) for m in re.finditer(r"([a-z]{2,})\.", raw)}
        words = normalise_text(raw).split()
        vocab = set(self.vocabulary)
        out, corrected = [], False
        for word in words:
            if word in ABBREVIATIONS and word not in vocab:
                out.append(ABBREVIATIONS[word])
                continue
            if word in vocab or stem(word) in self.word_classes or len(word) < 4 \
                    or word.isdigit() or word in STOPWORDS or word in PLAIN_WORDS:
                out.append(word)
                continue
            if word in abbreviated:
                expansion = self._expand_prefix(word)
                if expansion:
                    out.append(expansion)
                    continue
            fixed = self._correct(word)
            if fixed and fixed != word:
                corrected = True
                out.append(fixed)
            else:
                out.append(word)
        return " " + " ".join(out) + " ", corrected

    def _expand_prefix(self, word: str) -> str | None:
        options = [v for v in self.vocabulary if v.startswith(word) and len(v) > len(word)]
        return min(options, key=len) if options else None

    def _correct(self, word: str) -> str | None:
        key = ("fix", word)
        if key in self._cache:
            return self._cache[key]
        from rapidfuzz import fuzz, process

        cutoff = next(c for n, c in FUZZY_CUTOFF if len(word) >= n)
        # compare only with words of similar length and the same first letter (a typo
        # changes one or two letters, rarely the first): "impianto" is not "amianto"
        pool = [v for v in self.vocabulary
                if abs(len(v) - len(word)) <= 2 and v[0] == word[0]]
        best = process.extractOne(word, pool, scorer=fuzz.ratio, score_cutoff=cutoff)
        result = best[0] if best else None
        self._cache[key] = result
        return result

    def text_scores(self, text: str, phrases: set | None = None) -> dict[str, float]:
        """Score of each class whose aliases occur in ``text`` (longest match wins),
        plus the word-level evidence of the remaining words.

        An alias found after the first ``per`` (the purpose: ``zolfo per l'impianto di
        acido solforico``) counts ``PURPOSE_WEIGHT`` of its weight; an alias of several
        words whose words all occur, but not next to each other (``acqua per le torri di
        raffreddamento``), counts ``GAP_WEIGHT``. ``phrases``, when given, receives the
        classes found through an alias (not only through single words).
        """
        text = stem_text(text)
        tokens = set(text.split())
        purpose = text.find(" per ")
        purpose = len(text) if purpose < 0 else purpose
        hits = []
        loose = []
        for token in tokens:
            for alias, resource, words, weight in self.aliases.get(token, ()):
                needle = f" {alias} "
                start = text.find(needle)
                if start < 0:
                    content = [w for w in alias.split() if w not in STOPWORDS]
                    if len(content) > 1 and all(w in tokens for w in content):
                        loose.append((resource, weight * GAP_WEIGHT))
                        if phrases is not None:
                            phrases.add(resource)
                    continue
                while start >= 0:
                    hits.append((start, start + len(needle), alias, resource, words, weight))
                    start = text.find(needle, start + 1)
        hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
        accepted_spans: list[tuple[int, int, str]] = []
        scores: dict[str, float] = {}
        for start, end, alias, resource, words, weight in hits:
            inside = any(s <= start and end <= e and a != alias for s, e, a in accepted_spans)
            if inside:
                continue
            accepted_spans.append((start, end, alias))
            factor = PURPOSE_WEIGHT if start >= purpose else 1.0
            scores[resource] = scores.get(resource, 0.0) + weight * factor
            if phrases is not None:
                phrases.add(resource)
        for resource, weight in loose:
            scores[resource] = scores.get(resource, 0.0) + weight
        for word in tokens - STOPWORDS - GENERIC_STEMS:
            owners = self.word_classes.get(word)
            if owners:
                for resource in owners:
                    scores[resource] = scores.get(resource, 0.0) + WORD_WEIGHT / len(owners)
        return scores

    def eer_classes(self, code: str | None) -> tuple[str, ...]:
        """Classes listing an EER code (6 digits), else its 4- or 2-digit prefix."""
        if not code:
            return ()
        for length in (6, 4, 2):
            if length <= len(code) and code[:length] in self.eer:
                return self.eer[code[:length]]
        return ()


@lru_cache(maxsize=1)
def default_classifier() -> Classifier:
    """The classifier of the shipped ``lib/`` (built once per process)."""
    return Classifier.from_lib()


# --------------------------------------------------------------------------- one flow
def _role_ok(role: str, direction: str | None) -> bool:
    return direction not in ("in", "out") or role in ("both", direction)


def _pressure_bar(text: str) -> float | None:
    match = re.search(r"(\d+(?:[.,]\d+)?)\s*bar", text)
    return float(match.group(1).replace(",", ".")) if match else None


def explain_one(matrix: str, description: str, eer_code=None, temperature_c=None,
                direction: str | None = None,
                classifier: Classifier | None = None) -> dict:
    """Classify one declared flow and say why.

    Parameters
    ----------
    matrix : str — ``materia``, ``acqua`` or ``energia``.
    description : str — as declared by the company.
    eer_code : str, optional — EER code, any spelling (``10 01 05*``).
    temperature_c : float, optional — temperature of heat or water. [°C]
    direction : str, optional — ``in`` or ``out``.
    classifier : Classifier, optional — defaults to :func:`default_classifier`.

    Returns
    -------
    dict — ``resource`` (or None), ``confidence`` [0–1], ``evidence`` (Italian words:
    ``EER``, ``testo``, ``direzione``, ``temperatura``, ``correzione``…), ``scores``.
    """
    clf = classifier or default_classifier()
    key = (matrix, str(description), eer_code if eer_code is None or isinstance(eer_code, str)
           else str(eer_code), None if temperature_c is None or pd.isna(temperature_c)
           else float(temperature_c), direction)
    if key in clf._cache:
        return clf._cache[key]
    text, corrected = clf.prepare(description)
    code = normalise_eer(eer_code)
    roles = clf.classes["role"]
    matrices = clf.classes["matrix"]

    phrase_classes: set = set()
    raw = clf.text_scores(text, phrase_classes)
    if code and code not in clf.eer and code in clf.eer_descriptions:
        # an EER code outside our table: its official description is weak extra text
        for resource, score in clf.text_scores(normalise_text(clf.eer_descriptions[code])).items():
            raw[resource] = raw.get(resource, 0.0) + 0.5 * score
    eer_all = clf.eer_classes(code)
    eer_hits = [r for r in eer_all if matrices[r] == matrix]

    def scored(in_matrix: bool) -> dict[str, float]:
        out = {}
        for resource, score in raw.items():
            if (matrices[resource] == matrix) != in_matrix:
                continue
            out[resource] = score * (1.0 if _role_ok(roles[resource], direction) else PENALTY_ROLE)
        return out

    evidence = []
    scores = scored(True)
    other_matrix = False
    for resource in eer_hits:
        scores[resource] = scores.get(resource, 0.0) + EER_SCORE / len(eer_hits)
    if not scores:
        scores = scored(False)
        eer_hits = [r for r in eer_all if matrices[r] != matrix]
        for resource in eer_hits:
            scores[resource] = scores.get(resource, 0.0) + EER_SCORE / len(eer_hits)
        other_matrix = bool(scores)
    if not scores:
        result = {"resource": None, "confidence": 0.0, "evidence": "", "scores": {}}
        result = _heat_fallback(result, matrix, text, temperature_c, direction)
        clf._cache[key] = result
        return result

    best = max(scores, key=lambda r: (scores[r], -list(clf.classes.index).index(r)))
    if scores[best] < MIN_SCORE:
        result = {"resource": None, "confidence": 0.0, "evidence": "indizi insufficienti",
                  "scores": scores}
        result = _heat_fallback(result, matrix, text, temperature_c, direction)
        clf._cache[key] = result
        return result
    total = sum(scores.values())
    text_best = max(raw, key=raw.get) if raw else None
    if best in eer_hits:
        evidence.append("EER")
        if best in raw:
            evidence.append("testo")
            confidence = CONFIDENCE_EER_AND_TEXT
        elif len(eer_hits) == 1:
            confidence = CONFIDENCE_EER
        else:
            confidence = CONFIDENCE_EER_AMBIGUOUS
        if text_best and text_best != best and raw.get(text_best, 0) > raw.get(best, 0):
            confidence = min(confidence, 0.8)
    else:
        evidence.append("testo")
        if eer_hits:
            evidence.append("EER discorde")
        share = scores[best] / total if total else 0.0
        strength = min(1.0, scores[best] / 2.0)
        confidence = min(CONFIDENCE_TEXT_MAX, 0.4 + 0.45 * share + 0.15 * strength)
        if eer_hits:
            confidence = min(confidence, 0.7)
        if best not in phrase_classes:
            evidence.append("solo parole singole")
            confidence = min(confidence, CONFIDENCE_WORDS_ONLY)
    options = clf.counterparts.get(best, ()) if direction == "out" and roles[best] == "in" else ()
    if any(raw.get(r, 0.0) > 0 for r in options):
        # an output named like the input it could replace: take its waste counterpart
        # (only one the description also points to)
        counterpart = max(options, key=lambda r: (raw.get(r, 0.0), -options.index(r)))
        evidence.append(f"controparte in uscita di {best}")
        best = counterpart
        confidence *= 0.8
    elif not _role_ok(roles[best], direction):
        evidence.append("ruolo opposto alla direzione")
        confidence *= 0.8
    if other_matrix:
        evidence.append(f"classe della matrice {matrices[best]}")
        confidence *= PENALTY_OTHER_MATRIX
    if corrected:
        evidence.append("correzione refusi")
        confidence *= PENALTY_FUZZY
    result = {"resource": best, "confidence": float(round(confidence, 3)),
              "evidence": ", ".join(evidence), "scores": scores}
    result = _heat_fallback(result, matrix, text, temperature_c, direction)
    clf._cache[key] = result
    return result


def _heat_fallback(result: dict, matrix: str, text: str, temperature_c, direction) -> dict:
    """Place heat on its temperature level and steam on its pressure class."""
    if matrix != "energia":
        return result
    resource = result["resource"]
    has_t = temperature_c is not None and not pd.isna(temperature_c)
    if resource in ("vapore_alta", "vapore_bassa"):
        bar = _pressure_bar(text)
        high = None
        if bar is not None:
            high = bar > STEAM_HIGH_PRESSURE_BAR
        elif has_t:
            high = float(temperature_c) > STEAM_HIGH_TEMPERATURE_C
        if high is not None:
            level = "vapore_alta" if high else "vapore_bassa"
            if level != resource:
                return {**result, "resource": level,
                        "evidence": result["evidence"] + ", pressione/temperatura"}
        return result
    if direction == "in" or not has_t:
        return result
    # an energy output with a temperature is heat: electricity has no temperature
    family = None
    if resource is not None:
        family = default_classifier().classes["family"].get(resource)
    is_heat = resource in _HEAT_CLASSES or (resource is None and "calor" in text) \
        or (direction == "out" and family == "elettricita")
    if is_heat:
        for bound, name in HEAT_LEVELS_C:
            if float(temperature_c) > bound:
                evidence = (result["evidence"] + ", " if result["evidence"] else "") + "temperatura"
                return {**result, "resource": name, "confidence": max(result["confidence"], 0.6),
                        "evidence": evidence}
    return result


def classify_one(matrix: str, description: str, eer_code=None, temperature_c=None,
                 direction: str | None = None,
                 classifier: Classifier | None = None) -> tuple[str | None, float]:
    """Resource class and confidence of one declared flow.

    Parameters
    ----------
    matrix : str — ``materia``, ``acqua`` or ``energia``.
    description : str — as declared by the company.
    eer_code : str, optional — EER code, any spelling.
    temperature_c : float, optional — temperature of heat or water. [°C]
    direction : str, optional — ``in`` or ``out`` (improves inputs vs wastes).

    Returns
    -------
    (resource, confidence) — ``(None, 0.0)`` when nothing matches.
    """
    result = explain_one(matrix, description, eer_code, temperature_c, direction, classifier)
    return result["resource"], result["confidence"]


def classify_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """Add ``resource`` and ``resource_confidence`` to a table of declared flows.

    Parameters
    ----------
    flows : DataFrame — columns ``matrix``, ``description``; optional ``eer_code``,
        ``temperature_c``, ``direction``.

    Returns
    -------
    DataFrame — a copy with ``resource`` (class id or None), ``resource_confidence``
    [0–1] and ``resource_evidence`` (Italian, what the class rests on).
    """
    out = flows.copy()
    clf = default_classifier()
    cols = {c: out[c] if c in out.columns else pd.Series(None, index=out.index, dtype=object)
            for c in ("matrix", "description", "eer_code", "temperature_c", "direction")}
    results = [explain_one(m, d, e, t, r, clf) for m, d, e, t, r in
               zip(cols["matrix"], cols["description"], cols["eer_code"],
                   cols["temperature_c"], cols["direction"])]
    out["resource"] = pd.Series([r["resource"] for r in results], index=out.index, dtype=object)
    out["resource_confidence"] = pd.Series([r["confidence"] for r in results], index=out.index,
                                           dtype=float)
    out["resource_evidence"] = pd.Series([r["evidence"] for r in results], index=out.index,
                                         dtype=object)
    return out


# --------------------------------------------------------------------------- evaluation
def evaluate(labelled: pd.DataFrame, min_confidence: float = 0.0) -> dict:
    """Precision and coverage of the classifier on a labelled set.

    Parameters
    ----------
    labelled : DataFrame — ``matrix``, ``direction``, ``description``, ``eer_code``,
        ``temperature_c``, ``true_resource`` (empty when no class applies).
    min_confidence : float — a result below this confidence counts as "no class". [0–1]

    Returns
    -------
    dict — ``n`` (declarations), ``n_with_class``, ``coverage`` (share of declarations
    with a true class that received a class), ``precision`` (share of given classes
    that are right, including classes given to declarations that have none),
    ``accuracy`` (right answers, "no class" included, over all), ``errors`` (DataFrame).
    """
    df = labelled.copy()
    df["temperature_c"] = pd.to_numeric(df.get("temperature_c"), errors="coerce")
    df["eer_code"] = df["eer_code"].replace("", None)
    out = classify_flows(df)
    given = out["resource"].notna() & (out["resource_confidence"] >= min_confidence)
    predicted = out["resource"].where(given)
    truth = out["true_resource"].replace("", None)
    has_truth = truth.notna()
    right = given & (predicted == truth)
    n_given = int(given.sum())
    errors = out.loc[(given & ~right) | (has_truth & ~given),
                     ["declaration_id", "matrix", "direction", "description", "eer_code",
                      "true_resource", "resource", "resource_confidence", "resource_evidence"]]
    return {
        "n": int(len(out)),
        "n_with_class": int(has_truth.sum()),
        "coverage": float((given & has_truth).sum() / has_truth.sum()) if has_truth.any() else 0.0,
        "precision": float(right.sum() / n_given) if n_given else 0.0,
        "accuracy": float((right | (~given & ~has_truth)).sum() / len(out)) if len(out) else 0.0,
        "errors": errors.reset_index(drop=True),
    }


# --------------------------------------------------------------------------- overrides
def set_override(con, flow_id: str, resource: str, actor: str, reason: str | None = None) -> None:
    """Store an analyst's class for one flow; it wins over the classifier from now on.

    The override is kept in ``resource_overrides`` (one row per flow, the latest wins)
    and copied into ``flows`` (``resource_confidence`` = 1); the audit log records it.

    Raises
    ------
    ValueError — unknown class or unknown flow.
    """
    from .store import audit, transaction

    known = set(resource_classes()["resource"])
    if resource not in known:
        raise ValueError(f'classe di risorsa sconosciuta "{resource}" per il flusso {flow_id}')
    found = con.execute("SELECT resource FROM flows WHERE flow_id = ?", [flow_id]).fetchone()
    if found is None:
        raise ValueError(f'flusso sconosciuto "{flow_id}"')
    with transaction(con):
        con.execute("DELETE FROM resource_overrides WHERE flow_id = ?", [flow_id])
        con.execute("INSERT INTO resource_overrides VALUES (?, ?, ?, ?, ?, ?)",
                    [flow_id, resource, found[0], actor, datetime.now(), reason])
        con.execute("UPDATE flows SET resource = ?, resource_confidence = 1.0 WHERE flow_id = ?",
                    [resource, flow_id])
        audit(con, "classificazione_manuale", actor=actor, target=flow_id,
              detail=f"{found[0] or '–'} → {resource}" + (f" ({reason})" if reason else ""))


def apply_overrides(con, flows: pd.DataFrame) -> pd.DataFrame:
    """Flows with the analyst's classes applied (they survive a re-ingest).

    Returns
    -------
    DataFrame — a copy; ``resource_source`` is ``analista`` where an override applies,
    else ``classificatore``.
    """
    out = flows.copy()
    overrides = con.execute("SELECT flow_id, resource FROM resource_overrides").df()
    out["resource_source"] = "classificatore"
    if overrides.empty or out.empty:
        return out
    mapping = dict(zip(overrides["flow_id"], overrides["resource"]))
    hit = out["flow_id"].isin(mapping)
    out.loc[hit, "resource"] = out.loc[hit, "flow_id"].map(mapping)
    if "resource_confidence" in out.columns:
        out.loc[hit, "resource_confidence"] = 1.0
    out.loc[hit, "resource_source"] = "analista"
    return out



def main(argv: list[str] | None = None) -> int:
    """Print precision and coverage on a labelled set, per split and in total:
    ``python -m workbench.classify [tests/data/classification_labelled.csv]``."""
    import sys

    from .config import REPO_ROOT

    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else REPO_ROOT / "tests" / "data" / "classification_labelled.csv"
    labelled = pd.read_csv(path, dtype=str, keep_default_na=False)
    groups = [(name, part) for name, part in labelled.groupby("split", sort=False)] \
        if "split" in labelled.columns else []
    for name, part in groups + [("totale", labelled)]:
        for threshold in (0.0, 0.6):
            r = evaluate(part, threshold)
            print(f"{name:>9} (confidenza ≥ {threshold:.1f}): {r['n']} dichiarazioni, "
                  f"precisione {r['precision']:.3f}, copertura {r['coverage']:.3f}")
    errors = evaluate(labelled)["errors"]
    if len(errors):
        print("errori:")
        print(errors[["declaration_id", "description", "true_resource", "resource"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
