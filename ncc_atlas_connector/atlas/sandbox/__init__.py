"""A local, strict Atlas for demonstrations, tests and load tests: ``python -m <this package> --help``."""

from .faults import FAULT_KINDS, FaultInjector, FaultPlan
from .server import Sandbox
from .store import TERMS_CSV, Store

__all__ = ['FAULT_KINDS', 'TERMS_CSV', 'FaultInjector', 'FaultPlan', 'Sandbox', 'Store']
