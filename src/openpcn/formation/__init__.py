"""Formation: propose right-sized, contiguous PCNs for an ICS, with a proof where one is found.

`propose` (an exact CP-SAT model warm-started by a heuristic) and `current` return a
`Proposal`; `scenarios` keeps named proposals in the app database; `england` solves every ICS.
See docs/formation.md for the model, its objective and what "optimal" means here.
"""

from openpcn.formation.problem import Instance, Params, checked_params, load_instance
from openpcn.formation.propose import CURRENT, Proposal, current, propose, propose_for

__all__ = [
    "CURRENT",
    "Instance",
    "Params",
    "Proposal",
    "checked_params",
    "current",
    "load_instance",
    "propose",
    "propose_for",
]
