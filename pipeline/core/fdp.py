"""The Fiscal Data Package budget phase of a figure, from the kind of its column.

The phase belongs to the column, not to the document: an ontwerpbegroting (OWB) prints a
realisatie (executed), a stand (adjusted), the ontwerpbegroting (proposed) and ramingen.
  ontwerpbegroting, raming  -> proposed  (the multi-year ramingen are proposed with the OWB)
  vastgestelde_begroting    -> approved
  stand                     -> adjusted  (after suppletoire changes)
  realisatie                -> executed
  mutatie, verschil         -> none: they are changes and differences, never a figure.
"""

from __future__ import annotations

from pipeline.core.columns import MUTATIE, ONTWERP, RAMING, REALISATIE, STAND, VASTGESTELD, VERSCHIL

PROPOSED = "proposed"
APPROVED = "approved"
ADJUSTED = "adjusted"
EXECUTED = "executed"
# In budget-cycle order: a later phase is a later word on the same year.
FDP_PHASES = (PROPOSED, APPROVED, ADJUSTED, EXECUTED)

FDP_PHASE_BY_KIND: dict[str, str | None] = {
    ONTWERP: PROPOSED,
    RAMING: PROPOSED,
    VASTGESTELD: APPROVED,
    STAND: ADJUSTED,
    REALISATIE: EXECUTED,
    MUTATIE: None,
    VERSCHIL: None,
}


def fdp_phase(column_kind: str) -> str | None:
    """'stand' -> 'adjusted'; None for mutaties and verschillen (and unknown kinds)."""
    return FDP_PHASE_BY_KIND.get(column_kind)
