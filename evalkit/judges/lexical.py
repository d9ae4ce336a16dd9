"""The lexical judge: evalkit's fitted logistic model over similarity and word-overlap signals.

Offline, fast and measured (docs/quality.md); its weights and calibrated bands ship
in `evalkit/data/support_model.json`. It was evalkit's default before the entailment-trained `bundled` judge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.errors import SettingsError
from evalkit.judges import Bands, ClaimInput, Judgement
from evalkit.prepare import support

if TYPE_CHECKING:
    from evalkit.prepare.cache import VectorCache
    from evalkit.settings import Settings


class LexicalJudge:
    """Scores each claim from `support.signals`, which read all its passages together (word coverage spans
    them), so no single passage decides: `ClaimVerdict.best` falls back to the most similar one."""

    def __init__(self) -> None:
        self.model = support.shipped_model()
        self.id = f"lexical:{self.model.provenance.get('id', 'unfitted')}"
        self.bands = Bands(self.model.threshold, self.model.supported_at)

    def judge(self, claims: list[ClaimInput]) -> list[Judgement]:
        out = []
        for claim in claims:
            signals = support.signals(claim.text, claim.match, claim.article)
            out.append(Judgement(self.model.score(signals), -1, signals))
        return out


def make(argument: str, settings: Settings, store: VectorCache | None) -> LexicalJudge:
    if argument:
        raise SettingsError(f"judge 'lexical' takes no argument (got '{argument}')")
    return LexicalJudge()
