"""A local, strict Atlas for demonstrations, tests and load tests: ``python -m atlas_sandbox --help``.

It states the Atlas contract on its own (``contract.py``) and imports nothing from the addon or its client, so
that a client misreading the contract is refused here as the real Atlas would refuse it.
"""

from .contract import ATTRIBUTES, NCC_STATES, RELATIONSHIPS, STATES
from .faults import FAULT_KINDS, FaultInjector, FaultPlan
from .quirks import MODES, Quirks
from .server import Sandbox
from .store import TERMS_CSV, Store

__all__ = ['ATTRIBUTES', 'FAULT_KINDS', 'MODES', 'NCC_STATES', 'RELATIONSHIPS', 'STATES', 'TERMS_CSV',
           'FaultInjector', 'FaultPlan', 'Quirks', 'Sandbox', 'Store']
