"""Fault injection for the sandbox: a seeded, reproducible plan, and forced faults for deterministic tests.

A plan is e.g. ``{"rate": 0.2, "kinds": {"429": 2, "503": 1, "reset": 1, "drop_after_write": 1}, "latency_ms": 50}``:
each request to the JSON:API (never to ``/_sandbox``) draws from ``random.Random(seed)``; with probability ``rate``
it gets a fault, chosen by weight among ``kinds``.

Kinds:
- ``latency``: wait ``slow_ms`` before handling (on top of ``latency_ms``, which every request gets);
- ``429``: refuse with 429 and ``Retry-After: retry_after``; ``503`` likewise (maintenance);
- ``500``, ``502``, ``504``: a server error (502/504 with an HTML body, as a gateway sends);
- ``reset``: close the connection before the request is handled (nothing applied);
- ``drop_after_write``: handle a POST/PATCH, then close the connection without answering (the lost answer);
- ``malformed``: handle the request, then answer with a cut JSON body;
- ``error_in_2xx``: answer 200 with a JSON:API ``errors`` member, without handling the request;
- ``html_400``, ``empty_400``: a 400 that is no JSON:API error (an HTML page, an empty body), as a proxy in front of
  the Atlas sends, without handling the request.
"""

import json
import random
import threading
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

FAULT_KINDS = ('latency', '429', '500', '502', '503', '504', 'reset', 'drop_after_write', 'malformed', 'error_in_2xx',
               'html_400', 'empty_400')
WRITE_METHODS = ('POST', 'PATCH', 'PUT', 'DELETE')
_ALIASES = {'drop': 'drop_after_write', 'lost_answer': 'drop_after_write', 'connection_reset': 'reset',
            'slow': 'latency', 'bad_json': 'malformed'}


def _kind(name: Any) -> str:
    name = _ALIASES.get(str(name), str(name))
    if name not in FAULT_KINDS:
        raise ValueError(f'unknown fault kind {name!r}; expected one of {", ".join(FAULT_KINDS)}')
    return name


class FaultPlan(BaseModel):
    model_config = ConfigDict(extra='forbid')

    rate: float = Field(0.0, ge=0, le=1)
    kinds: dict[str, float] = Field(default_factory=dict)
    latency_ms: int = Field(0, ge=0, le=600_000)
    slow_ms: int = Field(2000, ge=0, le=600_000)
    retry_after: int = Field(1, ge=0, le=86_400)
    only_methods: list[str] | None = None
    only_paths: list[str] | None = None  # prefixes of the path after /jsonapi, e.g. "/node/cluster"

    @field_validator('kinds')
    @classmethod
    def _check_kinds(cls, value: dict) -> dict:
        kinds = {}
        for name, weight in value.items():
            if weight < 0:
                raise ValueError(f'the weight of {name!r} is negative')
            kinds[_kind(name)] = float(weight)
        return kinds

    @field_validator('only_methods')
    @classmethod
    def _upper(cls, value: list[str] | None) -> list[str] | None:
        return [method.upper() for method in value] if value else None

    @classmethod
    def parse(cls, value: Union[None, str, dict, 'FaultPlan']) -> 'FaultPlan':
        """A plan from None, a dict, a plan, JSON text or ``@path/to/plan.json``."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            text = value.strip()
            if text.startswith('@'):
                text = Path(text[1:]).read_text(encoding='utf-8')
            value = json.loads(text) if text else {}
        return cls.model_validate(value)


@dataclass
class _Forced:
    kind: str
    count: int
    methods: tuple[str, ...] | None


class FaultInjector:
    """Decides, request by request, which fault (if any) to inject. Thread-safe; reproducible for a given seed and
    a given order of requests."""

    def __init__(self, plan: None | str | dict | FaultPlan = None, seed: int = 0):
        self._lock = threading.Lock()
        self.seed = seed
        self._rng = random.Random(seed)
        self.plan = FaultPlan.parse(plan)
        self._forced: deque[_Forced] = deque()
        self.injected: Counter = Counter()

    def set_plan(self, plan: None | str | dict | FaultPlan, seed: int | None = None) -> FaultPlan:
        plan = FaultPlan.parse(plan)
        with self._lock:
            self.plan = plan
            if seed is not None:
                self.seed = seed
                self._rng = random.Random(seed)
        return plan

    def force(self, kind: str, count: int = 1, methods: list[str] | None = None) -> None:
        """The next ``count`` matching requests get fault ``kind`` (``drop_after_write`` waits for a write)."""
        kind = _kind(kind)
        if count < 1:
            raise ValueError('count must be at least 1')
        wanted = tuple(method.upper() for method in methods) if methods else None
        if kind == 'drop_after_write':
            wanted = tuple(m for m in (wanted or WRITE_METHODS) if m in WRITE_METHODS)
        with self._lock:
            self._forced.append(_Forced(kind, count, wanted))

    def clear_forced(self) -> None:
        with self._lock:
            self._forced.clear()

    def decide(self, method: str, path: str) -> str | None:
        method = method.upper()
        with self._lock:
            for forced in self._forced:
                if forced.methods is None or method in forced.methods:
                    forced.count -= 1
                    if forced.count <= 0:
                        self._forced.remove(forced)
                    self.injected[forced.kind] += 1
                    return forced.kind
            plan = self.plan
            if plan.rate <= 0 or not plan.kinds:
                return None
            if plan.only_methods and method not in plan.only_methods:
                return None
            if plan.only_paths and not any(path.startswith(prefix) for prefix in plan.only_paths):
                return None
            if self._rng.random() >= plan.rate:
                return None
            names = [name for name, weight in plan.kinds.items() if weight > 0]
            if not names:
                return None
            kind = self._rng.choices(names, weights=[plan.kinds[name] for name in names])[0]
            if kind == 'drop_after_write' and method not in WRITE_METHODS:
                return None
            self.injected[kind] += 1
            return kind

    def describe(self) -> dict:
        with self._lock:
            return {'plan': self.plan.model_dump(), 'seed': self.seed, 'forced': [
                {'kind': f.kind, 'count': f.count, 'methods': list(f.methods) if f.methods else None}
                for f in self._forced], 'injected': dict(self.injected)}

    def reset(self) -> None:
        with self._lock:
            self._forced.clear()
            self.injected.clear()
            self._rng = random.Random(self.seed)
