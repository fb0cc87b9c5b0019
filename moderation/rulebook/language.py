"""Language allowlist, with a small stop-word heuristic.

Why not a library: ``langdetect`` and ``lingua`` are on PyPI, but the first is unmaintained and
nondeterministic on short text unless seeded, and the second ships ~100 MB of models. Posts on a
wall are short; what matters is telling "clearly not German or English" apart from everything
else. Common function words do that well, cost nothing, and are deterministic: a post is judged
only when it has enough of them, otherwise the rule has no opinion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from moderation.chain import Candidate, Decision, RuleError, Verdict
from moderation.normalise import fold, words
from moderation.rulebook.config import Config

_STOPWORDS: dict[str, str] = {
    "de": (
        "der die das und ist nicht ich du wir ihr sie es ein eine einen mit auf fur von zu den"
        " dem im ist sind war auch noch schon aber wie was hier heute mal so sehr uns euch mein"
        " unser danke frohe weihnachten allen"
    ),
    "en": (
        "the and is are was not you we they it a an with on for of to in this that here today"
        " so very our my your thanks merry christmas all be have has what at from"
    ),
    "fr": (
        "le la les et est pas je tu nous vous ils elle un une des avec sur pour de du au ce"
        " cette ici aujourd tres notre mon merci joyeux noel tous"
    ),
    "es": (
        "el la los las y es no yo tu nosotros un una con en para de del al esta este aqui hoy"
        " muy nuestro mi gracias feliz navidad todos que"
    ),
    "it": (
        "il lo la gli le e non io tu noi voi un una con su per di del al questa questo qui oggi"
        " molto nostro mio grazie buon natale tutti che"
    ),
    "nl": (
        "de het en is niet ik jij wij zij een met op voor van te in dit dat hier vandaag heel"
        " ons onze mijn bedankt vrolijk kerstmis allemaal"
    ),
    "tr": (
        "ve bir bu da de ile icin cok ben sen biz siz o ne var yok degil tesekkurler mutlu"
        " yillar hepinize"
    ),
}
STOPWORDS = {lang: frozenset(fold(w) for w in ws.split()) for lang, ws in _STOPWORDS.items()}
MIN_HITS = 2


def guess(text: str) -> str | None:
    """The language whose function words dominate ``text``, or ``None`` when unsure."""
    tokens = [fold(w) for w in words(text)]
    scores = {lang: sum(1 for t in tokens if t in stop) for lang, stop in STOPWORDS.items()}
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top >= MIN_HITS and top >= 2 * second:
        return best
    return None


@dataclass(frozen=True, slots=True)
class LanguageAllowlist:
    kind: ClassVar[str] = "language"
    allow: frozenset[str]
    verdict: Verdict = Verdict.HOLD

    @classmethod
    def from_config(cls, c: Config) -> LanguageAllowlist:
        allow = frozenset(c.strings("allow"))
        unknown = sorted(allow - set(STOPWORDS))
        if unknown or not allow:
            raise RuleError(f"language.allow: choose from {', '.join(sorted(STOPWORDS))}")
        return cls(allow, c.verdict(Verdict.HOLD, (Verdict.HOLD, Verdict.REJECT)))

    def check(self, post: Candidate) -> Decision | None:
        lang = guess(post.text)
        if lang is not None and lang not in self.allow:
            return Decision(
                self.verdict, "language", f"looks like {lang}, not {'/'.join(sorted(self.allow))}"
            )
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "allow": sorted(self.allow), "verdict": self.verdict.value}
