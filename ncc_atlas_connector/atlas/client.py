"""The Atlas client: JSON:API over ``requests``, with typed errors, safe retries and no secret ever shown.

Reads (GET) retry by themselves through urllib3's ``Retry`` mounted on the session: connect errors, read errors
and the statuses 408/429/502/503/504, with exponential backoff and jitter, honouring ``Retry-After``. Writes
(POST/PATCH) are never retried: the Atlas has no idempotency key, so a write whose answer was lost raises
:class:`UnknownOutcomeError` and the caller looks the registration up before sending anything again (spec §7).
"""

import ast
import ipaddress
import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError
from urllib3.util.retry import Retry

from .contract import EXCHANGE_OUTCOMES, RELATIONSHIPS, UUID_RE, VOCABULARIES, clean_text
from .documents import (
    ErrorObject,
    RemoteCluster,
    Term,
    build_create,
    build_update,
    parse_errors,
)
from .sentence import _lt

_logger = logging.getLogger(__name__)

JSONAPI = 'application/vnd.api+json'
KEY_PARAM = 'api-key'
MAX_PAGE = 50
#: Empty pages in a row after which a listing stops following its next links.
MAX_EMPTY_PAGES = 3
EXCERPT_MAX = 4096
#: Statuses on which a read is retried: the request was not (or harmlessly) processed. 500 is not among them
#: (spec §7): Drupal answers 500 on a PHP error that repeats on every attempt.
RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})
#: Statuses after which a write is known not to have been applied: the server refused it before handling it.
WRITE_NOT_APPLIED = frozenset({408, 429, 503})

_KEY_IN_TEXT = re.compile(r'(api-key=)[^&\s\'"]+', re.IGNORECASE)


def _product_version() -> str:
    try:
        manifest = Path(__file__).resolve().parents[1] / '__manifest__.py'
        return str(ast.literal_eval(manifest.read_text())['version'])
    except (OSError, ValueError, SyntaxError, KeyError, TypeError):
        return '0'


PRODUCT = f'ncc_atlas_connector/{_product_version()}'


class _RedactKeyParam(logging.Filter):
    """urllib3 logs request URLs at DEBUG; with the key sent as a query parameter, that would log the key. It also
    logs each read retry as a WARNING: a retry is the normal working of the client (the sync log records the
    attempts), so it is told at INFO, and a server log stays free of warnings while all goes well."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and str(record.msg).startswith('Retrying ('):
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_KEY_IN_TEXT.sub(r'\1***', a) if isinstance(a, str) else a for a in args)
        if isinstance(record.msg, str):
            record.msg = _KEY_IN_TEXT.sub(r'\1***', record.msg)
        return True


for _name in ('urllib3.connectionpool', 'urllib3.util.retry', 'urllib3.poolmanager'):
    _target = logging.getLogger(_name)
    if not any(isinstance(f, _RedactKeyParam) for f in _target.filters):
        _target.addFilter(_RedactKeyParam())


# --------------------------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------------------------

class AtlasError(Exception):
    """Something went wrong talking to the Atlas. ``str()`` is a sentence for an NCC officer; ``errors`` holds the
    JSON:API error objects the Atlas sent (status, code, title, detail, pointer)."""

    def __init__(self, message: str, status: int | None = None, errors: Iterable[ErrorObject] | None = None):
        super().__init__(message)
        #: The sentence (a str), with its template and values when it is a Sentence: a record stores those, and
        #: shows it in each reader's language.
        self.message = message
        self.status = status
        self.errors = list(errors or ())

    @property
    def pointers(self) -> list[str]:
        return [error.pointer for error in self.errors if error.pointer]

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.message!r}, status={self.status!r})'


class AuthenticationError(AtlasError):
    """401/403: the key (or the Basic login) is wrong or lacks a permission. Stop the run, alert an administrator."""


class NotFoundError(AtlasError):
    """404: the registration (or the vocabulary) does not exist on the Atlas."""


class ValidationError(AtlasError):
    """400/409/422: the Atlas refused the document. The record's own problem: keep the detail, do not retry until
    the record changes. ``pointers`` name the fields."""


class RetryableError(AtlasError):
    """408/429/502/503/504, a timeout or a connection error, after the automatic retries of a read (a write is never
    retried automatically). Nothing was applied. ``retry_after``: seconds the Atlas asked to wait, if it said."""

    def __init__(self, message: str, status: int | None = None, errors: Iterable[ErrorObject] | None = None,
                 retry_after: float | None = None):
        super().__init__(message, status, errors)
        self.retry_after = retry_after


class UnknownOutcomeError(AtlasError):
    """A write (POST/PATCH) that may have been applied, but whose answer was lost: a timeout after sending, the
    connection closed before the answer, a gateway timeout, a 500, an answer that is not JSON:API. Do not resend:
    look the registration up first (registration number + country, else owner + title)."""


class UnexpectedAnswerError(RetryableError, UnknownOutcomeError):
    """A refusal (400/409/422) that is not a JSON:API error document: an HTML page or an empty body, e.g. from a
    proxy in front of the Atlas. Not the record's fault (only a JSON:API validation error is): retry it, at most
    ``max_attempts`` times in all (across runs), then tell a person in words. A write may have reached the Atlas:
    as after an :class:`UnknownOutcomeError`, look the registration up before sending it again."""

    max_attempts = 5

    def gave_up(self, attempts: int) -> str:
        """The words for a person once the attempts are spent."""
        return _lt('The Atlas, or a server in front of it, answered %(attempts)s times with HTTP %(status)s and a '
                   'page that is not an Atlas answer. This is not a problem of the registration: check the Atlas URL '
                   'and any proxy (the sync log holds the answers), then retry.',
                   attempts=attempts, status=self.status or '?')


# --------------------------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------------------------

def _is_loopback(host: str) -> bool:
    if host.lower() == 'localhost' or host.lower().endswith('.localhost'):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class AtlasSettings(BaseModel):
    """How to reach one Atlas. The key and the Basic password are ``SecretStr``: ``repr`` and ``str`` hide them.
    Invalid settings raise a ValueError whose text names the fields and never repeats the values given."""

    model_config = ConfigDict(frozen=True, extra='forbid', hide_input_in_errors=True)

    def __init__(self, **data: Any):
        try:
            super().__init__(**data)
        except PydanticValidationError as exc:
            problems = []
            for error in exc.errors(include_input=False, include_url=False):
                where = '.'.join(str(part) for part in error['loc'])
                message = error['msg'].removeprefix('Value error, ')
                problems.append(f'{where}: {message}' if where else message)
            raise ValueError('; '.join(problems)) from None

    url: str = Field(description='JSON:API root, e.g. https://atlas.example.eu/jsonapi')
    api_key: SecretStr
    key_transport: Literal['header', 'query'] = 'header'
    basic_user: str | None = None
    basic_password: SecretStr | None = None
    timeout: float = Field(30.0, gt=0, le=600)
    verify_tls: bool = True
    read_retries: int = Field(4, ge=0, le=10)
    backoff: float = Field(0.5, ge=0, le=60, description='base of the exponential backoff between read retries (s)')
    backoff_max: float = Field(30.0, ge=0, le=600, description='longest pause between two read retries (s)')
    retry_after_max: float = Field(120.0, ge=0, description='longest Retry-After honoured by waiting (s)')
    user_agent: str = f'{PRODUCT} (+https://github.com/ncc-atlas/ncc_atlas_connector) python-requests'
    page_size: int = Field(MAX_PAGE, ge=1, le=MAX_PAGE)
    page_pause: float = Field(0.0, ge=0, le=60, description='pause between two pages of a list (s); CONN uses 1.5')
    send_country: bool = Field(False, description='send field_country on writes (MW did; CONN lets the Atlas derive)')

    @field_validator('url')
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip().rstrip('/')
        parts = urlsplit(value)
        if parts.scheme not in ('https', 'http') or not parts.hostname:
            raise ValueError(f'the Atlas URL must be an absolute https:// address, got {value!r}')
        if parts.username or parts.password:
            raise ValueError('the Atlas URL must not hold credentials: use the Basic user and password settings')
        if parts.query or parts.fragment:
            raise ValueError('the Atlas URL must be the JSON:API root, without query or fragment')
        if parts.scheme == 'http' and not _is_loopback(parts.hostname):
            raise ValueError(f'plain http is allowed only for a local test Atlas (127.0.0.1, ::1, localhost), '
                             f'not for {parts.hostname!r}: use https')
        return value

    @model_validator(mode='after')
    def _check_basic(self) -> 'AtlasSettings':
        if bool(self.basic_user) != (self.basic_password is not None):
            raise ValueError('HTTP Basic needs both a user and a password (or neither)')
        return self

    def secrets(self) -> list[str]:
        values = [self.api_key.get_secret_value()]
        if self.basic_password is not None:
            values.append(self.basic_password.get_secret_value())
        return [value for value in values if value]


# --------------------------------------------------------------------------------------------------------------------
# Exchanges (what a sync log stores)
# --------------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Exchange:
    """One call to the Atlas, for the sync log. ``path`` is relative to the JSON:API root, with its query (the key
    removed); excerpts are capped and redacted. ``attempts`` counts the HTTP attempts a read took (retries)."""

    method: str
    path: str
    status: int | None
    duration_ms: int
    outcome: str  # a key of contract.EXCHANGE_OUTCOMES
    error: str | None = None
    request_excerpt: str | None = None
    response_excerpt: str | None = None
    attempts: int = 1
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def ok(self) -> bool:
        return self.outcome == 'ok'


_OUTCOMES = {
    UnexpectedAnswerError: 'unexpected',
    ValidationError: 'validation',
    AuthenticationError: 'authentication',
    NotFoundError: 'not_found',
    RetryableError: 'retryable',
    UnknownOutcomeError: 'unknown',
}
assert set(_OUTCOMES.values()) | {'ok', 'error'} == set(EXCHANGE_OUTCOMES)


# --------------------------------------------------------------------------------------------------------------------
# Retry policy for reads
# --------------------------------------------------------------------------------------------------------------------

class _ReadRetry(Retry):
    """urllib3's Retry plus two things urllib3 1.26 lacks: jitter on the backoff (many NCC crons must not retry in
    step), and a ceiling on ``Retry-After`` (an hour-long wait inside a cron is worse than giving up: the caller gets
    a RetryableError that carries the delay)."""

    def __init__(self, *args: Any, backoff_max: float = 30.0, retry_after_max: float = 120.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max

    def new(self, **kwargs: Any) -> '_ReadRetry':
        kwargs.setdefault('backoff_max', self.backoff_max)
        kwargs.setdefault('retry_after_max', self.retry_after_max)
        return super().new(**kwargs)

    def get_backoff_time(self) -> float:
        errors = 0
        for entry in reversed(self.history):
            if entry.redirect_location is not None:
                break
            errors += 1
        if errors == 0 or self.backoff_factor <= 0:
            return 0.0
        ceiling = min(self.backoff_max, self.backoff_factor * (2 ** (errors - 1)))
        return random.uniform(ceiling / 2, ceiling)  # "equal jitter"

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and self.respect_retry_after_header:
            header = response.headers.get('Retry-After')
            if header:
                try:
                    delay = self.parse_retry_after(header)
                except Exception:  # noqa: BLE001 - an unreadable header is the server's problem, not a crash
                    delay = None
                if delay is not None and delay > self.retry_after_max:
                    raise MaxRetryError(_pool, url, None)
        return super().increment(method, url, response, error, _pool, _stacktrace)


# --------------------------------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------------------------------

def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


def _check_uuid(value: str, what: str = 'registration') -> str:
    if not isinstance(value, str) or not UUID_RE.match(value):
        raise ValueError(f'{value!r} is not the UUID of an Atlas {what}')
    return value


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _Result:
    __slots__ = ('status', 'document', 'headers')

    def __init__(self, status: int, document: Any, headers: Mapping[str, str]):
        self.status = status
        self.document = document
        self.headers = headers


class AtlasClient:
    """Talks to one Atlas. ``on_exchange(Exchange)`` is called once per call (also a failed one), e.g. to write a
    sync log; its own failures are logged and swallowed."""

    def __init__(self, settings: AtlasSettings, on_exchange: Callable[[Exchange], None] | None = None):
        self.settings = settings
        self.on_exchange = on_exchange
        self._root = urlsplit(settings.url)
        self._secrets = settings.secrets()
        self._reads = self._session(_ReadRetry(
            total=settings.read_retries,
            connect=settings.read_retries,
            read=settings.read_retries,
            status=settings.read_retries,
            other=0,
            redirect=0,
            allowed_methods=frozenset({'GET', 'HEAD'}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=settings.backoff,
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
            backoff_max=settings.backoff_max,
            retry_after_max=settings.retry_after_max,
        ))
        # Writes: no retry of any kind, and connect errors (nothing sent) stay distinguishable from read errors.
        self._writes = self._session(Retry(total=None, connect=0, read=False, status=0, other=0, redirect=0,
                                           raise_on_status=False, raise_on_redirect=False))

    def __repr__(self) -> str:
        return f'<AtlasClient {self.settings.url} key via {self.settings.key_transport}>'

    def close(self) -> None:
        self._reads.close()
        self._writes.close()

    def __enter__(self) -> 'AtlasClient':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _session(self, retry: Retry) -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=4)
        session.mount('https://', adapter)
        session.mount('http://', adapter)
        session.headers.update({'Accept': JSONAPI, 'User-Agent': self.settings.user_agent})
        if self.settings.key_transport == 'header':
            session.headers[KEY_PARAM] = self.settings.api_key.get_secret_value()
        if self.settings.basic_user:
            session.auth = (self.settings.basic_user, self.settings.basic_password.get_secret_value())
        session.verify = self.settings.verify_tls
        if _is_loopback(self._root.hostname or ''):
            session.trust_env = False  # a local Atlas is never behind the outbound proxy of the environment
        return session

    # ---------------------------------------------------------------------------------------------------- the calls

    def whoami(self) -> str:
        """The UUID of the Drupal user owning the key (``GET /``): the connection test."""
        result = self._get('/', [], _lt('the connection test'))
        try:
            return str(result.document['meta']['links']['me']['meta']['id'])
        except (KeyError, TypeError):
            raise AtlasError(_lt('The Atlas answered the connection test without naming the owner of the key '
                                 '(meta.links.me is missing): is the URL the JSON:API root?'), result.status) from None

    def terms(self, vocabulary: str) -> list[Term]:
        """Every term of ``vocabulary``, following ``links.next``."""
        if vocabulary not in VOCABULARIES:
            raise ValueError(f'unknown vocabulary {vocabulary!r}; expected one of {", ".join(VOCABULARIES)}')
        return [Term.model_validate(item)
                for item in self._list(f'/taxonomy_term/{vocabulary}', [],
                                          _lt('the vocabulary %(vocabulary)s', vocabulary=repr(vocabulary)))]

    def find_clusters(self, registration_number: str, country_uuid: str) -> list[RemoteCluster]:
        """Registrations with this registration number in this country (the duplicate search before a create)."""
        registration_number = clean_text(registration_number)
        if not isinstance(registration_number, str):
            raise ValueError('a registration number is needed to search the Atlas')
        params = [
            ('filter[reg][path]', 'field_registration_number'),
            ('filter[reg][operator]', '='),
            ('filter[reg][value]', registration_number),  # trimmed: the filter matches exactly
            ('filter[ctry][path]', 'field_country.id'),
            ('filter[ctry][operator]', '='),
            ('filter[ctry][value]', _check_uuid(country_uuid, 'country term')),
        ]
        return self._clusters(params, _lt('the registration search'))

    def find_clusters_by_numbers(self, registration_numbers: Iterable[str],
                                 country_uuid: str) -> dict[str, list[RemoteCluster]]:
        """The duplicate search of a whole batch: the registrations in this country holding any of these
        registration numbers (an IN filter, at most 50 numbers per request), by number as trimmed; a number the
        Atlas does not hold maps to an empty list. Blank numbers raise ValueError, like ``find_clusters``."""
        numbers = list(dict.fromkeys(clean_text(number) for number in registration_numbers))
        if not all(isinstance(number, str) for number in numbers):
            raise ValueError('a registration number is needed to search the Atlas')
        country = _check_uuid(country_uuid, 'country term')
        found: dict[str, list[RemoteCluster]] = {number: [] for number in numbers}
        by_case: dict[str, list[str]] = {}
        for number in numbers:
            by_case.setdefault(number.casefold(), []).append(number)
        for chunk in _chunks(numbers, MAX_PAGE):
            params = [('filter[reg][condition][path]', 'field_registration_number'),
                      ('filter[reg][condition][operator]', 'IN')]
            params += [('filter[reg][condition][value][]', number) for number in chunk]
            params += [('filter[ctry][path]', 'field_country.id'), ('filter[ctry][operator]', '='),
                       ('filter[ctry][value]', country)]
            for cluster in self._clusters(params, 'the registration search'):
                # Each answer goes to the numbers it was found for: the same text, or the same but for case
                # (a Drupal on MySQL compares without case, as its one-number search would have found it).
                number = clean_text(cluster.values.get('field_registration_number'))
                for asked in by_case.get(number.casefold() if isinstance(number, str) else None, ()):
                    found[asked].append(cluster)
        return found

    def clusters_by_owner(self, user_uuid: str) -> list[RemoteCluster]:
        """Every registration owned by this Atlas user (all pages)."""
        return self._clusters([('filter[uid.id][value]', _check_uuid(user_uuid, 'user'))],
                              _lt('the registrations of the key owner'))

    def find_by_title(self, owner_uuid: str, title: str) -> list[RemoteCluster]:
        """Registrations of this owner with exactly this title (the fallback look-up after a lost answer)."""
        title = clean_text(title)
        if not isinstance(title, str):
            raise ValueError('a title is needed to search the Atlas')
        params = [
            ('filter[uid.id][value]', _check_uuid(owner_uuid, 'user')),
            ('filter[title][path]', 'title'),
            ('filter[title][operator]', '='),
            ('filter[title][value]', title),
        ]
        return self._clusters(params, _lt('the registration search by title'))

    def clusters_by_ids(self, uuids: Iterable[str]) -> list[RemoteCluster]:
        """The registrations with these UUIDs that still exist (an IN filter, at most 50 per request)."""
        unique = list(dict.fromkeys(_check_uuid(uuid) for uuid in uuids))
        found = []
        for chunk in _chunks(unique, MAX_PAGE):
            params = [('filter[ids][condition][path]', 'id'), ('filter[ids][condition][operator]', 'IN')]
            params += [('filter[ids][condition][value][]', uuid) for uuid in chunk]
            found += self._clusters(params, _lt('the registrations by UUID'))
        return found

    def get_cluster(self, uuid: str) -> RemoteCluster:
        """One registration; NotFoundError when it no longer exists."""
        what = _lt('the registration %(uuid)s', uuid=uuid)
        result = self._get(f'/node/cluster/{_check_uuid(uuid)}', [], what)
        return self._cluster(result.document, what, write=False)

    def create_cluster(self, values: Mapping[str, Any]) -> RemoteCluster:
        """Create a registration from plain values; the Atlas assigns the UUID. Never retried."""
        document = build_create(self._outgoing(values))
        what = _lt('the registration')
        result = self._send('POST', '/node/cluster', document, what)
        return self._cluster(result.document, what, write=True)

    def update_cluster(self, uuid: str, old: Mapping[str, Any] | RemoteCluster,
                       new: Mapping[str, Any]) -> RemoteCluster | None:
        """Send what changed from ``old`` (best: the values just read from the Atlas) to ``new``; no request and
        None when nothing did. Never retried."""
        if isinstance(old, RemoteCluster):
            old = old.values
        document = build_update(_check_uuid(uuid), self._outgoing(old), self._outgoing(new))
        if document is None:
            return None
        what = _lt('the registration %(uuid)s', uuid=uuid)
        result = self._send('PATCH', f'/node/cluster/{uuid}', document, what)
        return self._cluster(result.document, what, write=True)

    # ------------------------------------------------------------------------------------------------- the plumbing

    def _outgoing(self, values: Mapping[str, Any]) -> dict:
        values = dict(values)
        if not self.settings.send_country:
            for name, spec in RELATIONSHIPS.items():
                if not spec.sent_by_default:
                    values.pop(name, None)
        return values

    def _cluster(self, document: Any, what: str, write: bool) -> RemoteCluster:
        try:
            return RemoteCluster.model_validate(document['data'])
        except (KeyError, TypeError, PydanticValidationError) as exc:
            error = type(exc).__name__
            if write:
                raise UnknownOutcomeError(_lt(
                    'The Atlas may have saved %(what)s, but its answer about it is not a registration (%(error)s). '
                    'Look the registration up on the Atlas before sending it again.', what=what, error=error)) from None
            raise AtlasError(_lt('The Atlas answered, but its answer about %(what)s is not a registration '
                                 '(%(error)s).', what=what, error=error)) from None

    def _clusters(self, params: list, what: str) -> list[RemoteCluster]:
        return [self._cluster({'data': item}, what, write=False) for item in self._list('/node/cluster', params, what)]

    def _list(self, path: str, params: list, what: str) -> Iterator[dict]:
        params = params + [('page[limit]', str(self.settings.page_size))]
        own = params  # the listing's own query: kept on every page whose link leaves parts of it out
        seen: set = set()
        empty = 0
        while True:
            page = (path, tuple(sorted(params)))
            if page in seen:
                raise AtlasError(_lt('The Atlas sent the same next-page link twice while listing %(what)s.',
                                     what=what))
            if seen and self.settings.page_pause:
                time.sleep(self.settings.page_pause)
            seen.add(page)
            result = self._get(path, params, what)
            if not isinstance(result.document, Mapping):
                raise AtlasError(_lt('The Atlas answered %(what)s without a JSON:API document.', what=what),
                                 result.status)
            data = result.document.get('data')
            if data is None:
                data = []  # a page may come without data (spec §4): its next link still counts
            if not isinstance(data, list):
                raise AtlasError(_lt('The Atlas answered %(what)s without a list of resources.', what=what),
                                 result.status)
            empty = 0 if data else empty + 1
            if empty > MAX_EMPTY_PAGES:
                return  # a run of empty pages that link on and on: the list is over
            yield from data
            next_link = (result.document.get('links') or {}).get('next')
            href = next_link.get('href') if isinstance(next_link, Mapping) else next_link
            if not href or not isinstance(href, str):
                return
            path, params = self._follow(href, path, own)

    def _follow(self, href: str, path: str = '/', own: Iterable = ()) -> tuple[str, list]:
        """Path (relative to the JSON:API root) and query of a ``links.next``, to be called on the configured root.

        The link may be absolute or relative to the JSON:API root (``node/cluster?page[offset]=50``, or only a
        query). Of an absolute link only the path and query are used, so the key never goes to another host, and a
        Drupal behind a TLS proxy that writes its links with http:// or an inner host name still pages. A link may
        leave out the listing's own ``page[limit]``, ``sort`` or filters: each parameter it does not name is kept
        from the listing. Drupal copies the request's query into its links, the key too when sent as a parameter:
        it is dropped here and added again by the transport."""
        parts = urlsplit(href.strip())
        root_path = self._root.path.rstrip('/')
        link_path = parts.path
        if not link_path:
            relative = path  # a query alone: the same listing
        elif parts.scheme or parts.netloc or link_path.startswith('/'):
            if link_path != root_path and not link_path.startswith(root_path + '/'):
                if parts.scheme or parts.netloc:
                    link = self._redact(urlunsplit(parts._replace(query='')))
                    raise AtlasError(_lt('The Atlas sent a next-page link outside its JSON:API root; refusing to '
                                         'follow it: %(link)s', link=link))
                link_path = root_path + link_path  # "/node/cluster": relative to the root
            relative = link_path[len(root_path):] or '/'
        else:
            relative = '/' + link_path  # "node/cluster": relative to the root
        params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != KEY_PARAM]
        named = {key for key, _value in params}
        params += [(key, value) for key, value in own if key not in named and not key.startswith('page[offset]')]
        return relative, params

    def _get(self, path: str, params: list, what: str) -> _Result:
        return self._exchange('GET', path, params, None, what)

    def _send(self, method: str, path: str, document: dict, what: str) -> _Result:
        return self._exchange(method, path, [], document, what)

    def _url(self, path: str, params: list) -> tuple[str, str]:
        """The URL to call and the path to show (without the key)."""
        query = urlencode(params, safe='[]')
        shown = path + (f'?{query}' if query else '')
        if self.settings.key_transport == 'query':
            params = params + [(KEY_PARAM, self.settings.api_key.get_secret_value())]
        root = self.settings.url
        url = root + ('' if path == '/' else path)
        query = urlencode(params)
        return url + (f'?{query}' if query else ''), shown

    def _redact(self, text: str | None) -> str | None:
        if not text:
            return text
        for secret in self._secrets:
            if len(secret) >= 4:  # a shorter "secret" would garble every message, and hides nothing anyway
                text = text.replace(secret, '***')
        return _KEY_IN_TEXT.sub(r'\1***', text)

    def _excerpt(self, text: str | None) -> str | None:
        if not text:
            return None
        text = self._redact(text)
        if len(text) > EXCERPT_MAX:
            text = text[:EXCERPT_MAX] + f'... [{len(text) - EXCERPT_MAX} more characters]'
        return text

    def _exchange(self, method: str, path: str, params: list, document: dict | None, what: str) -> _Result:
        write = method != 'GET'
        url, shown = self._url(path, params)
        body = json.dumps(document, ensure_ascii=False, separators=(',', ':')) if document is not None else None
        started = datetime.now(timezone.utc)
        clock = time.monotonic()
        status, response_text, attempts = None, None, 1
        try:
            try:
                response = (self._writes if write else self._reads).request(
                    method, url, data=body.encode('utf-8') if body is not None else None,
                    headers={'Content-Type': JSONAPI} if body is not None else None,
                    timeout=self.settings.timeout, allow_redirects=False,
                )
            except requests.RequestException as exc:
                raise self._transport_error(exc, write, what) from None
            status = response.status_code
            retries = getattr(response.raw, 'retries', None)
            attempts = len(retries.history) + 1 if retries is not None else 1
            try:
                response_text = response.content.decode(response.encoding or 'utf-8', errors='replace')
            except requests.RequestException as exc:  # the body was cut off
                raise self._transport_error(exc, write, what) from None
            result = self._interpret(response, response_text, write, what)
        except AtlasError as error:
            self._report(Exchange(method, shown, status, self._ms(clock), _OUTCOMES.get(type(error), 'error'),
                                  self._redact(error.message), self._excerpt(body), self._excerpt(response_text),
                                  attempts, started))
            _logger.info('Atlas %s %s failed (%s): %s', method, shown, status or 'no answer', error.message)
            raise
        self._report(Exchange(method, shown, status, self._ms(clock), 'ok', None, self._excerpt(body),
                              self._excerpt(response_text), attempts, started))
        _logger.debug('Atlas %s %s -> %s', method, shown, status)
        return result

    @staticmethod
    def _ms(clock: float) -> int:
        return int((time.monotonic() - clock) * 1000)

    def _report(self, exchange: Exchange) -> None:
        if self.on_exchange is None:
            return
        try:
            self.on_exchange(exchange)
        except Exception:  # noqa: BLE001 - a failing log must not break the sync
            _logger.exception('The Atlas exchange could not be recorded')

    def _transport_error(self, exc: requests.RequestException, write: bool, what: str) -> AtlasError:
        reason = self._redact(self._reason(exc))
        not_sent = isinstance(exc, requests.ConnectTimeout) or self._is_connect_error(exc)
        if isinstance(exc, requests.exceptions.SSLError):
            return AtlasError(_lt('The TLS certificate of the Atlas could not be verified: %(reason)s',
                                  reason=reason))
        if write and not not_sent:
            return UnknownOutcomeError(_lt(
                'The Atlas may have saved %(what)s, but its answer was lost (%(reason)s). Look the registration up '
                'on the Atlas before sending it again.', what=what, reason=reason))
        return RetryableError(_lt('The Atlas could not be reached for %(what)s (%(reason)s); try again later.',
                                  what=what, reason=reason))

    @staticmethod
    def _is_connect_error(exc: BaseException) -> bool:
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, MaxRetryError):
            cause = cause.reason
        return isinstance(cause, (NewConnectionError, ConnectTimeoutError))

    @staticmethod
    def _reason(exc: requests.RequestException) -> str:
        if isinstance(exc, requests.ConnectTimeout):
            return 'no connection within the timeout'
        if isinstance(exc, requests.Timeout):
            return 'no answer within the timeout'
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, MaxRetryError) and cause.reason is not None:
            cause = cause.reason
        inner = getattr(cause, 'args', ())
        if len(inner) == 2 and isinstance(inner[1], BaseException):  # ProtocolError('Connection aborted.', err)
            cause = inner[1]
        text = str(cause) or type(cause).__name__
        return f'{type(cause).__name__}: {text}' if type(cause).__name__ not in text else text

    def _interpret(self, response: requests.Response, text: str, write: bool, what: str) -> _Result:
        status = response.status_code
        document, malformed = None, False
        if text.strip():
            try:
                document = json.loads(text)
            except ValueError:
                malformed = True
        errors = parse_errors(document)
        retry_after = _parse_retry_after(response.headers.get('Retry-After'))
        if 200 <= status < 300:
            if malformed or not isinstance(document, Mapping):
                if write:
                    return self._raise(UnknownOutcomeError(_lt(
                        'The Atlas may have saved %(what)s, but its answer (HTTP %(status)s) is not a JSON:API '
                        'document. Look the registration up on the Atlas before sending it again.',
                        what=what, status=status), status))
                return self._raise(RetryableError(_lt(
                    'The Atlas answered %(what)s with something that is not a JSON:API document (HTTP %(status)s); '
                    'try again later.', what=what, status=status), status))
            if errors:
                claimed = self._error_status(errors)
                if claimed is None and write:
                    return self._raise(UnknownOutcomeError(_lt(
                        'The Atlas answered %(what)s with HTTP %(status)s and errors: %(details)s. Look the '
                        'registration up on the Atlas before sending it again.',
                        what=what, status=status, details=self._details(errors)), status, errors))
                return self._raise(self._error_for(claimed or status, errors, write, what, retry_after, status))
            return _Result(status, document, response.headers)
        if 300 <= status < 400:
            location = self._redact(response.headers.get('Location', ''))
            where = location or _lt('another address')
            return self._raise(AtlasError(_lt('The Atlas redirected %(what)s to %(where)s (HTTP %(status)s); check '
                                              'the Atlas URL in the settings.', what=what, where=where,
                                              status=status), status))
        if status == 401 and not errors and response.headers.get('WWW-Authenticate', '').lower().startswith('basic'):
            if self.settings.basic_user:
                said = _lt('The web server in front of the Atlas refused the HTTP Basic login (HTTP 401) for '
                           '%(what)s. Check the Basic user and password in the Atlas settings.', what=what)
            else:
                said = _lt('The web server in front of the Atlas asks for an HTTP Basic login (HTTP 401) for '
                           '%(what)s. Check the Basic user and password in the Atlas settings.', what=what)
            return self._raise(AuthenticationError(said, status))
        return self._raise(self._error_for(status, errors, write, what, retry_after, status,
                                           reason=response.reason))

    @staticmethod
    def _raise(error: AtlasError) -> _Result:
        raise error

    @staticmethod
    def _error_status(errors: list[ErrorObject]) -> int | None:
        for error in errors:
            if error.status and error.status.isdigit() and int(error.status) >= 400:
                return int(error.status)
        return None

    def _details(self, errors: list[ErrorObject]) -> str:
        return self._redact('; '.join(dict.fromkeys(error.text() for error in errors)))

    def _error_for(self, code: int, errors: list[ErrorObject], write: bool, what: str,
                   retry_after: float | None, status: int, reason: str | None = None) -> AtlasError:
        details = self._details(errors) or (reason or '')
        http = f'HTTP {code}: {details}' if details else f'HTTP {code}'
        if code in (401, 403):
            return AuthenticationError(_lt(
                'The Atlas refused access to %(what)s (%(http)s). Check the API key, its transport and the Basic '
                'login in the Atlas settings, and the permissions of the key owner.', what=what, http=http),
                status, errors)
        if code == 404:
            return NotFoundError(_lt('%(what)s does not exist on the Atlas (HTTP 404).', what=what),
                                 status, errors)
        if code in (400, 409, 422) and not errors:
            return UnexpectedAnswerError(_lt(
                'The Atlas, or a server in front of it, refused %(what)s with HTTP %(code)s and an answer that is '
                'not an Atlas error (%(reason)s); trying again later.',
                what=what, code=code, reason=reason or _lt('no reason given')), status, errors)
        if code in (400, 409, 422):
            return ValidationError(_lt('The Atlas refused %(what)s: %(details)s', what=what,
                                       details=details or f'HTTP {code}'), status, errors)
        if code in RETRY_STATUSES and (not write or code in WRITE_NOT_APPLIED):
            if retry_after is not None:
                said = _lt('The Atlas could not handle %(what)s right now (%(http)s); try again later (in %(wait)s '
                           's).', what=what, http=http, wait=f'{retry_after:g}')
            else:
                said = _lt('The Atlas could not handle %(what)s right now (%(http)s); try again later.',
                           what=what, http=http)
            return RetryableError(said, status, errors, retry_after)
        if write and code >= 500:
            return UnknownOutcomeError(_lt(
                'The Atlas may have saved %(what)s, but it answered with a server error (%(http)s). Look the '
                'registration up on the Atlas before sending it again.', what=what, http=http), status, errors)
        return AtlasError(_lt('The Atlas failed on %(what)s (%(http)s).', what=what, http=http), status, errors)
