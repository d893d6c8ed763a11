"""The Atlas sandbox: a local, strict stand-in for the ECCC Atlas (a Drupal JSON:API site), over real HTTP.

It speaks the contract of ``shared/spec/atlas-api.md`` §2-§6 and is stricter than the Atlas where the contract is
silent, so that what passes here has a fair chance on the real site:

- key authentication (header ``api-key`` or query ``?api-key=``): no key 401, an unknown key 403; an optional
  HTTP Basic gate in front (401 with an HTML body, as a web server sends);
- ``GET /jsonapi`` (who am I), ``/taxonomy_term/{vocabulary}[/{uuid}]``, ``/node/cluster[/{uuid}]`` (GET, POST,
  PATCH; no DELETE), ``/user/user/{uuid}``;
- filters (``filter[x][path|operator|value]``, ``filter[x][condition][...]``, the shorthand ``filter[field]=v``,
  ``IN`` with ``value[]``), ``sort``, pagination capped at 50 with ``links.next`` (which, as Drupal's, repeats the
  request's query, the key included when it was sent as a parameter);
- 422 with ``source.pointer`` for unknown attributes or relationships, wrong types, over-long text, malformed
  e-mail/URI/country code, a term that does not exist or belongs to another vocabulary, a missing ``title``, a
  ``moderation_state`` equal to the current one, and a state the key may not set: the NCC key may set only
  ``draft``, ``ready_for_publication`` and ``to_be_rejected`` (422, like Drupal's "invalid state transition"; the
  reviewer key, playing the ECCC, may set any); 403 for read-only attributes and for editing another user's
  registration; 415 for a write that is not ``application/vnd.api+json``;
- ``changed`` moves on every write, strictly increasing (microseconds);
- read-back quirks (spec §4): ``field_url`` as ``{"uri", "title", "options"}`` (or a plain string, by option),
  ``field_institution_name_in_nation`` as a list for some records (by option, deterministic on the node id),
  ``relationships.field_country`` derived from the address when it was not sent, the root terms' parent "virtual",
  ``cluster_thematic_area`` returned flat (spec §3; by option).

``/_sandbox/...`` (guarded by the reviewer key, header ``x-reviewer-key`` or ``api-key``, or ``?key=``) lets a
person play the ECCC and drive the sandbox with curl: ``GET /_sandbox`` lists the endpoints.
"""

import contextlib
import json
import logging
import re
import secrets
import socket
import threading
import time
import uuid as uuidlib
from base64 import b64decode
from collections import Counter, deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ..documents import (
    ADDRESS_ALL_KEYS,
    ATTRIBUTES,
    CLUSTER_TYPE,
    MODERATION_STATES,
    NCC_STATES,
    RELATIONSHIPS,
    TERM_TYPE_PREFIX,
    UUID_RE,
    build_create,
    normalize_value,
    validate_attributes,
)
from .faults import WRITE_METHODS, FaultInjector, FaultPlan
from .store import Store

_logger = logging.getLogger(__name__)

JSONAPI = 'application/vnd.api+json'
MAX_PAGE = 50
QUIRK_MODES = ('never', 'always', 'odd', 'even')
_JSONAPI_MEMBER = {'version': '1.0', 'meta': {'links': {'self': {'href': 'http://jsonapi.org/format/1.0/'}}}}
_TITLES = {400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
           409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
           429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
           504: 'Gateway Timeout'}
_OPERATORS = ('=', '<>', '>', '>=', '<', '<=', 'STARTS_WITH', 'CONTAINS', 'ENDS_WITH', 'IN', 'NOT IN', 'IS NULL',
              'IS NOT NULL', 'BETWEEN', 'NOT BETWEEN')
_NODE_TYPE_UUID = 'c1a5e7e2-0b6b-5c44-9a51-3b1a3e3c1c7d'
_KEY_IN_TEXT = re.compile(r'((?:api-key|key)=)[^&\s\'"]+', re.IGNORECASE)


class Refusal(Exception):
    """An error answer: JSON:API error objects (or a raw body), a status and headers."""

    def __init__(self, status: int, detail: str = '', pointer: str | None = None,
                 errors: list[dict] | None = None, headers: dict | None = None, body: str | None = None,
                 content_type: str = JSONAPI):
        super().__init__(detail)
        self.status = status
        self.errors = errors if errors is not None else [_error(status, detail, pointer)]
        self.headers = headers or {}
        self.body = body
        self.content_type = content_type


def _error(status: int, detail: str, pointer: str | None = None) -> dict:
    error = {'title': _TITLES.get(status, 'Error'), 'status': str(status), 'detail': detail}
    if pointer:
        error['source'] = {'pointer': pointer}
    return error


def _quirk(mode: str, nid: int) -> bool:
    return mode == 'always' or (mode == 'odd' and nid % 2 == 1) or (mode == 'even' and nid % 2 == 0)


def _html(status: int, text: str) -> str:
    return f'<html><head><title>{status} {text}</title></head><body><h1>{text}</h1></body></html>\n'


class _User:
    __slots__ = ('uuid', 'role', 'name')

    def __init__(self, uuid: str, role: str, name: str):
        self.uuid, self.role, self.name = uuid, role, name


class _RequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, logging through this module's logger at DEBUG and never the key (werkzeug logs the
    request line, which holds ``?api-key=`` when the key is sent as a parameter)."""

    def log_request(self, code: Any = '-', size: Any = '-') -> None:
        _logger.debug('%s %s -> %s', self.command, _redact_query(getattr(self, 'path', '')), code)

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's signature
        text = _redact_query(message % args if args else message)
        (_logger.error if type == 'error' else _logger.debug)('%s', text)


def _redact_query(text: str) -> str:
    return _KEY_IN_TEXT.sub(r'\1***', text)


class Sandbox:
    """A local Atlas. ``start()`` serves it on a loopback port in a background thread; the methods below play the
    ECCC reviewer and let tests look inside.

    :param db: ``':memory:'`` (default) or a SQLite file path (persistent across restarts)
    :param api_key: the NCC's key (random when not given)
    :param basic: ``(user, password)`` to put an HTTP Basic gate in front, or None
    :param reviewer_key: the ECCC reviewer's key, for ``/_sandbox`` and for setting any state (random when not given)
    :param faults: a :class:`FaultPlan` (or dict / JSON)
    :param seed: the seed of the fault plan's random draws
    :param name_in_nation_as_list: when ``field_institution_name_in_nation`` comes back as a list:
        ``never``, ``always``, ``odd`` or ``even`` node ids
    :param url_as_string: when ``field_url`` comes back as a plain string (same modes)
    :param flat_thematic_areas: return ``cluster_thematic_area`` without parents, as the Atlas does (spec §3)
    """

    def __init__(self, db: str | Path = ':memory:', api_key: str | None = None,
                 basic: tuple[str, str] | None = None, reviewer_key: str | None = None,
                 faults: None | str | dict | FaultPlan = None, seed: int = 0,
                 name_in_nation_as_list: str = 'odd', url_as_string: str = 'never',
                 flat_thematic_areas: bool = True, terms_csv: Path | None = None):
        for mode in (name_in_nation_as_list, url_as_string):
            if mode not in QUIRK_MODES:
                raise ValueError(f'unknown quirk mode {mode!r}; expected one of {", ".join(QUIRK_MODES)}')
        self.store = Store(str(db), terms_csv)
        self.api_key = api_key or secrets.token_urlsafe(24)
        self.reviewer_key = reviewer_key or secrets.token_urlsafe(24)
        if self.reviewer_key == self.api_key:
            raise ValueError('the reviewer key must differ from the NCC key')
        self.basic = tuple(basic) if basic else None
        self.faults = FaultInjector(faults, seed)
        self.name_in_nation_as_list = name_in_nation_as_list
        self.url_as_string = url_as_string
        self.flat_thematic_areas = flat_thematic_areas
        self.ncc_user_uuid = self.store.user_uuid('ncc', self.api_key)
        self.reviewer_user_uuid = self.store.user_uuid('eccc', 'reviewer')
        self._users = {
            self.api_key: _User(self.ncc_user_uuid, 'ncc', 'ncc'),
            self.reviewer_key: _User(self.reviewer_user_uuid, 'eccc', 'eccc-reviewer'),
        }
        self._stats_lock = threading.Lock()
        self._counts: Counter = Counter()
        self._log: deque = deque(maxlen=5000)
        self._server = None
        self._thread: threading.Thread | None = None
        self.url: str | None = None
        self._app = _App(self)

    # --------------------------------------------------------------------------------------------- life cycle

    def start(self, host: str = '127.0.0.1', port: int = 0) -> str:
        """Serve in a background thread; returns the JSON:API root URL."""
        if self._server is not None:
            raise RuntimeError('the sandbox is already running')
        self._server = make_server(host, port, self._app, threaded=True, request_handler=_RequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.05},
                                        name='atlas-sandbox', daemon=True)
        self._thread.start()
        shown = f'[{host}]' if ':' in host else host
        self.url = f'http://{shown}:{self._server.server_port}/jsonapi'
        return self.url

    @property
    def port(self) -> int | None:
        return self._server.server_port if self._server else None

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def close(self) -> None:
        self.stop()
        self.store.close()

    def __enter__(self) -> 'Sandbox':
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ reviewer (ECCC)

    def set_state(self, uuid: str, state: str, message: str | None = None) -> dict:
        """Set any moderation state, as the ECCC does; returns the registration as plain values."""
        if state not in MODERATION_STATES:
            raise ValueError(f'unknown moderation state {state!r}')
        if self.store.cluster(uuid) is None:
            raise KeyError(f'no registration {uuid}')
        record = self.store.update_cluster(uuid, state=state, revision_log=message)
        return self._plain(record)

    def publish(self, uuid: str) -> dict:
        return self.set_state(uuid, 'published')

    def request_revision(self, uuid: str, message: str | None = None) -> dict:
        return self.set_state(uuid, 'revision_requested', message)

    def reject(self, uuid: str, message: str | None = None) -> dict:
        return self.set_state(uuid, 'rejected', message)

    # ---------------------------------------------------------------------------------------------- test helpers

    def add_cluster(self, values: Mapping[str, Any], state: str = 'draft', owner: str | None = None) -> str:
        """Store a registration from plain values (as the client sends them) in any state, for any owner (e.g.
        records of another tool); validated like a POST, but without the role rule. Returns its UUID."""
        if state not in MODERATION_STATES:
            raise ValueError(f'unknown moderation state {state!r}')
        values = {name: value for name, value in values.items() if name != 'moderation_state'}
        data = build_create(values)['data']
        try:
            attributes, relationships = self._app.check_write(data, None, None)
        except Refusal as refusal:
            raise ValueError('; '.join(error['detail'] for error in refusal.errors)) from None
        uuid = str(uuidlib.uuid4())
        self.store.insert_cluster(uuid, owner or self.ncc_user_uuid, state, attributes, relationships)
        return uuid

    def clusters(self) -> list[dict]:
        """Every stored registration as plain values, plus ``id``, ``owner``, ``moderation_state``, ``created``,
        ``changed``, ``revision_log``."""
        return [self._plain(record) for record in self.store.clusters()]

    def cluster(self, uuid: str) -> dict | None:
        record = self.store.cluster(uuid)
        return self._plain(record) if record else None

    def _plain(self, record: dict) -> dict:
        plain = {'id': record['uuid'], 'owner': record['owner'], 'moderation_state': record['moderation_state'],
                 'created': record['created'], 'changed': record['changed'], 'revision_log': record['revision_log'],
                 'nid': record['nid']}
        for name in ATTRIBUTES:
            if name != 'moderation_state':
                plain[name] = normalize_value(name, record['attributes'].get(name))
        relationships = self._app.relationships_of(record)
        for name in RELATIONSHIPS:
            plain[name] = normalize_value(name, relationships.get(name))
        return plain

    def set_faults(self, plan: None | str | dict | FaultPlan, seed: int | None = None) -> FaultPlan:
        return self.faults.set_plan(plan, seed)

    def force_fault(self, kind: str, count: int = 1, methods: list[str] | None = None) -> None:
        """The next ``count`` JSON:API requests (of ``methods``, if given) get fault ``kind``."""
        self.faults.force(kind, count, methods)

    def reset(self) -> None:
        """Forget every registration, the statistics, the request log and the forced faults (the terms, the users
        and the fault plan stay)."""
        self.store.clear_clusters()
        self.faults.reset()
        with self._stats_lock:
            self._counts.clear()
            self._log.clear()

    def record(self, entry: dict) -> None:
        if entry['template'].startswith('/_sandbox'):
            return  # driving the sandbox is not Atlas traffic
        with self._stats_lock:
            self._counts[(entry['method'], entry['template'], str(entry['status']))] += 1
            self._log.append(entry)

    def stats(self) -> dict:
        """Requests by method, path template and status; injected faults; registrations by state."""
        with self._stats_lock:
            routes = [{'method': method, 'path': path, 'status': status, 'count': count}
                      for (method, path, status), count in sorted(self._counts.items())]
            total = sum(self._counts.values())
        states = Counter(record['moderation_state'] for record in self.store.clusters())
        return {'total': total, 'routes': routes, 'faults': dict(self.faults.injected),
                'clusters': {'total': sum(states.values()), 'by_state': dict(states)}}

    def count(self, method: str | None = None, path: str | None = None, status: Any = None) -> int:
        """How many requests matched (``path`` is a template such as ``/jsonapi/node/cluster/<id>``)."""
        with self._stats_lock:
            return sum(count for (m, p, s), count in self._counts.items()
                       if (method is None or m == method) and (path is None or p == path)
                       and (status is None or s == str(status)))

    def requests(self, method: str | None = None, path: str | None = None) -> list[dict]:
        """The recorded requests (method, path with the key redacted, template, status, fault, JSON body)."""
        with self._stats_lock:
            return [dict(entry) for entry in self._log
                    if (method is None or entry['method'] == method) and (path is None or entry['template'] == path)]


class _App:
    """The WSGI application of a :class:`Sandbox`."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.store = sandbox.store
        self.url_map = Map([
            Rule('/jsonapi', endpoint='root', methods=['GET']),
            Rule('/jsonapi/node/cluster', endpoint='clusters', methods=['GET', 'POST']),
            Rule('/jsonapi/node/cluster/<id>', endpoint='cluster', methods=['GET', 'PATCH']),
            Rule('/jsonapi/taxonomy_term/<vocabulary>', endpoint='terms', methods=['GET']),
            Rule('/jsonapi/taxonomy_term/<vocabulary>/<id>', endpoint='term', methods=['GET']),
            Rule('/jsonapi/user/user/<id>', endpoint='user', methods=['GET']),
            Rule('/_sandbox', endpoint='sb_help', methods=['GET']),
            Rule('/_sandbox/stats', endpoint='sb_stats', methods=['GET']),
            Rule('/_sandbox/requests', endpoint='sb_requests', methods=['GET']),
            Rule('/_sandbox/reset', endpoint='sb_reset', methods=['POST']),
            Rule('/_sandbox/faults', endpoint='sb_faults', methods=['GET', 'PUT', 'POST']),
            Rule('/_sandbox/faults/force', endpoint='sb_force', methods=['POST']),
            Rule('/_sandbox/clusters', endpoint='sb_clusters', methods=['GET']),
            Rule('/_sandbox/clusters/<id>/<action>', endpoint='sb_action', methods=['POST']),
        ], strict_slashes=False, merge_slashes=False)

    # ------------------------------------------------------------------------------------------------ dispatch

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        request.max_content_length = 1024 * 1024
        method = request.method
        adapter = self.url_map.bind_to_environ(environ)
        template, endpoint, args = '(unknown)', None, {}
        try:
            rule, args = adapter.match(return_rule=True)
            template, endpoint = rule.rule, rule.endpoint
        except (NotFound, MethodNotAllowed, HTTPException) as exc:
            endpoint = exc
        entry = {'method': method, 'path': _redact_query(request.full_path.rstrip('?')), 'template': template,
                 'status': None, 'fault': None, 'body': None, 'time': time.time(),
                 'user_agent': request.headers.get('User-Agent')}
        is_api = request.path.startswith('/jsonapi')
        fault = None
        if is_api:
            plan = self.sandbox.faults.plan
            if plan.latency_ms:
                time.sleep(plan.latency_ms / 1000)
            fault = self.sandbox.faults.decide(method, request.path[len('/jsonapi'):] or '/')
            entry['fault'] = fault
            if fault == 'latency':
                time.sleep(plan.slow_ms / 1000)
            if fault == 'reset':
                return self._hang_up(environ, entry, start_response, 'reset')
            if fault in ('429', '500', '502', '503', '504', 'error_in_2xx'):
                response = self._fault_response(fault, plan.retry_after)
                entry['status'] = response.status_code
                self.sandbox.record(entry)
                return response(environ, start_response)
        response = self._respond(request, endpoint, args, entry)
        if fault == 'drop_after_write' and method in WRITE_METHODS:
            return self._hang_up(environ, entry, start_response, 'dropped')
        if fault == 'malformed':
            body = response.get_data()
            response.set_data(body[:max(1, len(body) // 2)])
            entry['status'] = f'{response.status_code} malformed'
        self.sandbox.record(entry)
        return response(environ, start_response)

    def _hang_up(self, environ: dict, entry: dict, start_response: Any, what: str) -> Any:
        """Close the connection without an answer (the client sees it closed or reset)."""
        entry['status'] = what
        self.sandbox.record(entry)
        connection = environ.get('werkzeug.socket')
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        start_response('500 Connection dropped', [('Content-Length', '0')])
        return [b'']

    @staticmethod
    def _fault_response(fault: str, retry_after: int) -> Response:
        if fault == 'error_in_2xx':
            return _json(200, {'jsonapi': _JSONAPI_MEMBER, 'data': None, 'errors': [
                {'title': 'Partial failure', 'detail': 'The request was handled only in part: a backend failed.'}]})
        status = int(fault)
        headers = {'Retry-After': str(retry_after)} if status in (429, 503) else {}
        if status in (502, 504):  # a gateway answers in HTML
            return Response(_html(status, _TITLES[status]), status, headers, content_type='text/html')
        detail = {429: 'Too many requests: slow down.', 500: 'The website encountered an unexpected error.',
                  503: 'The site is under maintenance.'}[status]
        return _json(status, {'jsonapi': _JSONAPI_MEMBER, 'errors': [_error(status, detail)]}, headers)

    def _respond(self, request: Request, endpoint: Any, args: dict, entry: dict) -> Response:
        try:
            if request.method in WRITE_METHODS or request.path.startswith('/_sandbox'):
                entry['body'] = self._body_for_log(request)
            self._check_basic(request)
            if isinstance(endpoint, MethodNotAllowed):
                raise Refusal(405, f'No route found for "{request.method} {request.path}": Method Not Allowed.',
                              headers={'Allow': ', '.join(endpoint.valid_methods or [])})
            if isinstance(endpoint, HTTPException):
                raise Refusal(404, f'No route found for "{request.method} {request.path}".')
            if endpoint.startswith('sb_'):
                self._check_reviewer(request)
                status, document, headers = getattr(self, endpoint)(request, **args)
            else:
                user = self._authenticate(request)
                status, document, headers = getattr(self, f'do_{endpoint}')(request, user, **args)
            response = _json(status, document, headers)
        except HTTPException as exc:  # e.g. a body over the size limit
            response = _json(exc.code or 400, {'jsonapi': _JSONAPI_MEMBER, 'errors': [
                _error(exc.code or 400, exc.description or exc.name)]})
        except Refusal as refusal:
            if refusal.body is not None:
                response = Response(refusal.body, refusal.status, refusal.headers, content_type=refusal.content_type)
            else:
                response = _json(refusal.status, {'jsonapi': _JSONAPI_MEMBER, 'errors': refusal.errors},
                                 refusal.headers)
        except Exception:  # noqa: BLE001 - a sandbox bug answers 500, as Drupal would, and is logged
            _logger.exception('Atlas sandbox: error on %s %s', request.method, _redact_query(request.path))
            response = _json(500, {'jsonapi': _JSONAPI_MEMBER, 'errors': [
                _error(500, 'The website encountered an unexpected error.')]})
        entry['status'] = response.status_code
        return response

    @staticmethod
    def _body_for_log(request: Request) -> Any:
        data = request.get_data(cache=True)
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return data[:2000].decode('utf-8', errors='replace')

    # ------------------------------------------------------------------------------------------- authentication

    def _check_basic(self, request: Request) -> None:
        if not self.sandbox.basic:
            return
        header = request.headers.get('Authorization', '')
        ok = False
        if header.lower().startswith('basic '):
            try:
                user, _, password = b64decode(header[6:].strip()).decode('utf-8').partition(':')
                ok = secrets.compare_digest(f'{user}\0{password}', '\0'.join(self.sandbox.basic))
            except (ValueError, UnicodeDecodeError):
                ok = False
        if not ok:
            raise Refusal(401, body=_html(401, 'Authorization Required'), content_type='text/html',
                          headers={'WWW-Authenticate': 'Basic realm="Atlas (acceptance)"'})

    def _key(self, request: Request, *names: str) -> str | None:
        for name in names:
            if request.headers.get(name):
                return request.headers[name]
        return request.args.get('api-key') or None

    def _authenticate(self, request: Request) -> _User:
        key = self._key(request, 'api-key')
        if not key:
            raise Refusal(401, 'No authentication credentials provided: send the API key as the "api-key" header '
                               'or the "api-key" query parameter.')
        for known, user in self.sandbox._users.items():
            if secrets.compare_digest(key.encode(), known.encode()):
                return user
        raise Refusal(403, 'The API key is not valid.')

    def _check_reviewer(self, request: Request) -> None:
        key = self._key(request, 'x-reviewer-key', 'api-key') or request.args.get('key')
        if not key:
            raise Refusal(401, 'The sandbox endpoints need the reviewer key (header "x-reviewer-key" or ?key=).')
        if not secrets.compare_digest(key.encode(), self.sandbox.reviewer_key.encode()):
            raise Refusal(403, 'This is not the reviewer key.')

    # -------------------------------------------------------------------------------------------- rendering

    def base(self, request: Request) -> str:
        return request.host_url.rstrip('/') + '/jsonapi'

    def relationships_of(self, record: dict) -> dict:
        relationships = dict(record['relationships'])
        if not relationships.get('field_country'):
            address = record['attributes'].get('field_address') or {}
            code = address.get('country_code') if isinstance(address, Mapping) else None
            relationships['field_country'] = self.store.country_by_iso(code) if code else None
        return relationships

    def render_cluster(self, record: dict, base: str) -> dict:
        nid = record['nid']
        stored = record['attributes']
        attributes: dict = {
            'drupal_internal__nid': nid, 'langcode': 'en', 'status': record['moderation_state'] == 'published',
            'title': stored.get('title'), 'created': record['created'], 'changed': record['changed'],
            'moderation_state': record['moderation_state'], 'revision_log': record['revision_log'],
        }
        for name, spec in ATTRIBUTES.items():
            if name in attributes:
                continue
            value = stored.get(name)
            if spec.type == 'uri' and value:
                value = value['uri'] if _quirk(self.sandbox.url_as_string, nid) else {
                    'uri': value['uri'], 'title': value.get('title') or '', 'options': value.get('options') or []}
            elif spec.type == 'address' and value:
                value = {key: value.get(key, '' if key == 'langcode' else None) for key in ADDRESS_ALL_KEYS}
            elif name == 'field_institution_name_in_nation' and _quirk(self.sandbox.name_in_nation_as_list, nid):
                value = [value] if value else []
            attributes[name] = value
        relationships: dict = {}
        for name, value in self.relationships_of(record).items():
            spec = RELATIONSHIPS[name]
            kind = TERM_TYPE_PREFIX + spec.vocabulary
            if spec.many:
                relationships[name] = {'data': [{'type': kind, 'id': uuid} for uuid in value or []]}
            else:
                relationships[name] = {'data': {'type': kind, 'id': value} if value else None}
        for name, spec in RELATIONSHIPS.items():
            relationships.setdefault(name, {'data': [] if spec.many else None})
        relationships['uid'] = {'data': {'type': 'user--user', 'id': record['owner']}}
        relationships['node_type'] = {'data': {'type': 'node_type--node_type', 'id': _NODE_TYPE_UUID}}
        return {'type': CLUSTER_TYPE, 'id': record['uuid'],
                'links': {'self': {'href': f'{base}/node/cluster/{record["uuid"]}'}},
                'attributes': attributes, 'relationships': relationships}

    def cluster_view(self, record: dict) -> dict:
        """What filters and sorts see: plain values (no read-back quirk), relationships as UUIDs."""
        attributes = {'title': record['attributes'].get('title'), 'moderation_state': record['moderation_state'],
                      'changed': record['changed'], 'created': record['created'],
                      'drupal_internal__nid': record['nid'], 'status': record['moderation_state'] == 'published'}
        for name, value in record['attributes'].items():
            attributes.setdefault(name, value)
        relationships = self.relationships_of(record)
        relationships['uid'] = record['owner']
        return {'id': record['uuid'], 'attributes': attributes, 'relationships': relationships}

    def render_term(self, term: dict, base: str) -> dict:
        vocabulary = term['vocabulary']
        kind = TERM_TYPE_PREFIX + vocabulary
        parent = term['parent']
        if vocabulary == 'cluster_thematic_area' and self.sandbox.flat_thematic_areas:
            parent = None
        attributes = {'drupal_internal__tid': term['tid'], 'langcode': 'en', 'status': True, 'name': term['name'],
                      'description': {'value': term['description'], 'format': 'basic_html',
                                      'processed': term['description']} if term['description'] else None,
                      'weight': term['weight']}
        if vocabulary == 'country':
            attributes['field_iso_code'] = term['iso_code']
        return {'type': kind, 'id': term['uuid'], 'links': {'self': {'href': f'{base}/taxonomy_term/{vocabulary}/'
                                                                               f'{term["uuid"]}'}},
                'attributes': attributes,
                'relationships': {'parent': {'data': [{'type': kind, 'id': parent or 'virtual'}]},
                                  'vid': {'data': {'type': 'taxonomy_vocabulary--taxonomy_vocabulary',
                                                   'id': str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, vocabulary))}}}}

    @staticmethod
    def term_view(term: dict, flat: bool) -> dict:
        parent = None if flat and term['vocabulary'] == 'cluster_thematic_area' else term['parent']
        return {'id': term['uuid'],
                'attributes': {'name': term['name'], 'description': term['description'], 'weight': term['weight'],
                               'field_iso_code': term['iso_code'], 'drupal_internal__tid': term['tid']},
                'relationships': {'parent': parent}}

    # ------------------------------------------------------------------------------------------------ JSON:API

    def do_root(self, request: Request, user: _User) -> tuple:
        base = self.base(request)
        links = {'self': {'href': base}, 'node--cluster': {'href': f'{base}/node/cluster'}}
        for vocabulary in self.store.vocabularies():
            links[f'taxonomy_term--{vocabulary}'] = {'href': f'{base}/taxonomy_term/{vocabulary}'}
        me = {'meta': {'id': user.uuid}, 'href': f'{base}/user/user/{user.uuid}'}
        return 200, {'jsonapi': _JSONAPI_MEMBER, 'data': [], 'links': links, 'meta': {'links': {'me': me}}}, {}

    def do_user(self, request: Request, user: _User, id: str) -> tuple:  # noqa: A002
        known = {u.uuid: u for u in self.sandbox._users.values()}
        if id not in known:
            raise Refusal(404, f'The "user" entity with ID "{id}" does not exist.')
        return 200, {'jsonapi': _JSONAPI_MEMBER, 'data': {
            'type': 'user--user', 'id': id, 'attributes': {'display_name': known[id].name, 'name': known[id].name}},
            'links': {'self': {'href': f'{self.base(request)}/user/user/{id}'}}}, {}

    def _vocabulary(self, vocabulary: str) -> None:
        if vocabulary not in self.store.vocabularies():
            raise Refusal(404, f'The resource type "taxonomy_term--{vocabulary}" does not exist.')

    def do_terms(self, request: Request, user: _User, vocabulary: str) -> tuple:
        self._vocabulary(vocabulary)
        flat = self.sandbox.flat_thematic_areas
        items = [(self.term_view(term, flat), term) for term in self.store.terms(vocabulary)]
        base = self.base(request)
        return self._collection(request, items, lambda term: self.render_term(term, base))

    def do_term(self, request: Request, user: _User, vocabulary: str, id: str) -> tuple:  # noqa: A002
        self._vocabulary(vocabulary)
        term = self.store.term(id)
        if not term or term['vocabulary'] != vocabulary:
            raise Refusal(404, f'The "taxonomy_term" entity with ID "{id}" does not exist.')
        return 200, {'jsonapi': _JSONAPI_MEMBER, 'data': self.render_term(term, self.base(request))}, {}

    def do_clusters(self, request: Request, user: _User) -> tuple:
        if request.method == 'POST':
            with self.store.lock:
                return self._create(request, user)
        items = [(self.cluster_view(record), record) for record in self.store.clusters()]
        base = self.base(request)
        return self._collection(request, items, lambda record: self.render_cluster(record, base))

    def do_cluster(self, request: Request, user: _User, id: str) -> tuple:  # noqa: A002
        with self.store.lock:  # read, check and write as one step: two PATCHes cannot both pass the state rule
            record = self.store.cluster(id)
            if record is None:
                raise Refusal(404, f'The "node" entity with ID "{id}" does not exist.')
            if request.method == 'PATCH':
                return self._update(request, user, record)
        base = self.base(request)
        return 200, {'jsonapi': _JSONAPI_MEMBER, 'data': self.render_cluster(record, base),
                     'links': {'self': {'href': f'{base}/node/cluster/{id}'}}}, {}

    # ----------------------------------------------------------------------------------------------- collections

    def _collection(self, request: Request, items: list[tuple[dict, Any]], render: Any) -> tuple:
        conditions = _parse_filters(request.args)
        items = [(view, item) for view, item in items if all(_matches(view, c) for c in conditions)]
        sort = request.args.get('sort')
        if sort:
            for field in reversed([part.strip() for part in sort.split(',') if part.strip()]):
                descending = field.startswith('-')
                path = field.lstrip('-')
                items.sort(key=lambda pair: _sort_key(_resolve(pair[0], path)), reverse=descending)
        offset = _int_param(request.args, 'page[offset]', 0, 0)
        limit = min(_int_param(request.args, 'page[limit]', MAX_PAGE, 1), MAX_PAGE)
        page = items[offset:offset + limit]
        links = {'self': {'href': self._link(request, offset, limit)}}
        if offset + limit < len(items):
            links['next'] = {'href': self._link(request, offset + limit, limit)}
        if offset > 0:
            links['prev'] = {'href': self._link(request, max(0, offset - limit), limit)}
        return 200, {'jsonapi': _JSONAPI_MEMBER, 'data': [render(item) for _, item in page], 'links': links}, {}

    def _link(self, request: Request, offset: int, limit: int) -> str:
        """Like Drupal: the request's own query (the key too, when it came as a parameter) with a new page."""
        params = [(key, value) for key, value in request.args.items(multi=True)
                  if key not in ('page[offset]', 'page[limit]')]
        params += [('page[offset]', str(offset)), ('page[limit]', str(limit))]
        query = urlencode(params)
        return request.host_url.rstrip('/') + request.path + (f'?{query}' if query else '')

    # ------------------------------------------------------------------------------------------------ writes

    def _document(self, request: Request) -> dict:
        if request.mimetype != JSONAPI:
            raise Refusal(415, f'No route found that matches "Content-Type: {request.mimetype or "(none)"}"; '
                               f'send {JSONAPI}.')
        try:
            document = json.loads(request.get_data(cache=True) or b'null')
        except ValueError as exc:
            raise Refusal(400, f'Syntax error: the request body is not valid JSON ({exc}).') from None
        if not isinstance(document, dict) or not isinstance(document.get('data'), dict):
            raise Refusal(400, 'Missing the required "data" top-level member (an object).', '/data')
        data = document['data']
        if data.get('type') != CLUSTER_TYPE:
            raise Refusal(409, f'The provided type ({data.get("type")}) does not match the destination resource '
                               f'types ({CLUSTER_TYPE}).', '/data/type')
        return data

    def check_write(self, data: dict, user: _User | None, current: dict | None) -> tuple[dict, dict]:
        """Validate a ``node--cluster`` write; returns (attributes, relationships) in storage form. ``current`` is
        the stored record on PATCH (None on POST); ``user`` None means a trusted caller (no role rule)."""
        attributes = data.get('attributes', {})
        relationships = data.get('relationships', {})
        problems = validate_attributes(attributes)
        forbidden = [p for p in problems if p.status == 403]
        if forbidden:
            raise Refusal(403, errors=[_error(403, p.detail, p.pointer) for p in forbidden])
        errors = [_error(p.status, p.detail, p.pointer) for p in problems]
        if isinstance(attributes, Mapping):
            title = attributes.get('title')
            title_missing = not (isinstance(title, str) and title.strip())
            title_reported = any(e.get('source', {}).get('pointer') == '/data/attributes/title' for e in errors)
            if (current is None or 'title' in attributes) and title_missing and not title_reported:
                errors.append(_error(422, 'title: This value should not be null.', '/data/attributes/title'))
            if 'moderation_state' in attributes:
                errors += self._state_errors(attributes['moderation_state'], user, current)
        stored_relationships, relationship_errors = self._relationships(relationships)
        errors += relationship_errors
        if errors:
            status = 400 if any(e['status'] == '400' for e in errors) else 422
            raise Refusal(status, errors=errors)
        stored_attributes = {name: value for name, value in attributes.items() if name != 'moderation_state'}
        for name, value in stored_attributes.items():
            if ATTRIBUTES[name].type == 'address' and value:
                stored_attributes[name] = {key: item for key, item in value.items() if item is not None}
        return stored_attributes, stored_relationships

    @staticmethod
    def _state_errors(state: Any, user: _User | None, current: dict | None) -> list[dict]:
        pointer = '/data/attributes/moderation_state'
        if state is None:
            return [_error(422, 'moderation_state: This value should not be null.', pointer)]
        if state not in MODERATION_STATES:
            return []  # already reported by the attribute validation
        now = current['moderation_state'] if current else None
        if now == state:
            return [_error(422, f'moderation_state: Invalid state transition from {now} to {state}: the '
                                'registration is already in this state.', pointer)]
        if user is not None and user.role == 'ncc' and state not in NCC_STATES:
            return [_error(422, f'moderation_state: Invalid state transition from {now or "new"} to {state}: '
                                f'this key may set only {", ".join(NCC_STATES)}.', pointer)]
        return []

    def _relationships(self, relationships: Any) -> tuple[dict, list[dict]]:
        if not isinstance(relationships, Mapping):
            return {}, [_error(400, 'The relationships member must be an object.', '/data/relationships')]
        stored, errors = {}, []
        for name, value in relationships.items():
            pointer = f'/data/relationships/{name}'
            if name == 'uid':
                errors.append(_error(422, 'uid: The current user is not allowed to change the owner.', pointer))
                continue
            spec = RELATIONSHIPS.get(name)
            if spec is None:
                errors.append(_error(422, f'The relationship {name} does not exist on the {CLUSTER_TYPE} resource '
                                          'type.', pointer))
                continue
            if not isinstance(value, Mapping) or 'data' not in value:
                errors.append(_error(400, f'{name}: a relationship must be an object with a "data" member.', pointer))
                continue
            data = value['data']
            if spec.many:
                if not isinstance(data, list):
                    errors.append(_error(422, f'{name}: This value should be a list of resource identifiers.',
                                         pointer))
                    continue
                linkages = data
            else:
                if isinstance(data, list):
                    errors.append(_error(422, f'{name}: This field can hold at most 1 value.', pointer))
                    continue
                linkages = [] if data is None else [data]
            ids, bad = [], False
            for index, linkage in enumerate(linkages):
                problem = self._linkage_problem(name, spec.vocabulary, index, linkage)
                if problem:
                    errors.append(_error(422, problem, pointer))
                    bad = True
                else:
                    ids.append(linkage['id'])
            if not bad:
                stored[name] = list(dict.fromkeys(ids)) if spec.many else (ids[0] if ids else None)
        return stored, errors

    def _linkage_problem(self, name: str, vocabulary: str, index: int, linkage: Any) -> str | None:
        expected = TERM_TYPE_PREFIX + vocabulary
        if not isinstance(linkage, Mapping) or not isinstance(linkage.get('id'), str) or 'type' not in linkage:
            return f'{name}.{index}: a resource identifier needs a "type" and an "id".'
        if linkage['type'] != expected:
            return (f'{name}.{index}.target_id: The type {linkage["type"]} does not match the field\'s target '
                    f'({expected}).')
        term = self.store.term(linkage['id'])
        if term is None:
            return f'{name}.{index}.target_id: The referenced entity (taxonomy_term: {linkage["id"]}) does not exist.'
        if term['vocabulary'] != vocabulary:
            return (f'{name}.{index}.target_id: This entity (taxonomy_term: {linkage["id"]}) cannot be referenced: '
                    f'it belongs to {term["vocabulary"]}, not {vocabulary}.')
        return None

    def _create(self, request: Request, user: _User) -> tuple:
        data = self._document(request)
        uuid = data.get('id')
        if uuid is not None:
            if not isinstance(uuid, str) or not UUID_RE.match(uuid):
                raise Refusal(422, 'The id is not a valid UUID.', '/data/id')
            if self.store.cluster(uuid) is not None:
                raise Refusal(409, f'Conflict: the entity {uuid} already exists.', '/data/id')
        attributes, relationships = self.check_write(data, user, None)
        state = (data.get('attributes') or {}).get('moderation_state') or 'draft'
        record = self.store.insert_cluster(uuid or str(uuidlib.uuid4()), user.uuid, state, attributes, relationships)
        base = self.base(request)
        location = f'{base}/node/cluster/{record["uuid"]}'
        return 201, {'jsonapi': _JSONAPI_MEMBER, 'data': self.render_cluster(record, base),
                     'links': {'self': {'href': location}}}, {'Location': location}

    def _update(self, request: Request, user: _User, record: dict) -> tuple:
        data = self._document(request)
        if data.get('id') != record['uuid']:
            raise Refusal(400, 'The ID in the URL must match the ID in the request body ("data.id").', '/data/id')
        if user.role == 'ncc' and record['owner'] != user.uuid:
            raise Refusal(403, 'The current user is not permitted to update this Content item: it belongs to '
                               'another user.')
        attributes, relationships = self.check_write(data, user, record)
        state = (data.get('attributes') or {}).get('moderation_state')
        record = self.store.update_cluster(record['uuid'], state=state, attributes=attributes,
                                           relationships=relationships)
        base = self.base(request)
        return 200, {'jsonapi': _JSONAPI_MEMBER, 'data': self.render_cluster(record, base),
                     'links': {'self': {'href': f'{base}/node/cluster/{record["uuid"]}'}}}, {}

    # ------------------------------------------------------------------------------------------ /_sandbox

    def sb_help(self, request: Request) -> tuple:
        return 200, {'endpoints': {
            'GET /_sandbox/stats': 'requests by method, path template and status; faults; registrations by state',
            'GET /_sandbox/requests?method=PATCH': 'the recorded requests with their JSON bodies',
            'GET /_sandbox/clusters': 'every registration, as plain values',
            'POST /_sandbox/clusters/<uuid>/publish': 'play the ECCC: publish',
            'POST /_sandbox/clusters/<uuid>/request_revision': 'body {"message": "..."} (optional)',
            'POST /_sandbox/clusters/<uuid>/reject': 'reject',
            'POST /_sandbox/clusters/<uuid>/state': 'body {"state": "...", "message": "..."}: any state',
            'POST /_sandbox/reset': 'forget registrations, statistics and forced faults',
            'GET /_sandbox/faults': 'the fault plan, the forced faults, what was injected',
            'PUT /_sandbox/faults': 'body: a fault plan, e.g. {"rate": 0.2, "kinds": {"429": 1, "reset": 1}}; '
                                    '"seed" in the query restarts the draws',
            'POST /_sandbox/faults/force': 'body {"kind": "drop_after_write", "count": 1, "methods": ["POST"]}',
        }, 'auth': 'header x-reviewer-key: <reviewer key> (or api-key, or ?key=)'}, {}

    def sb_stats(self, request: Request) -> tuple:
        return 200, self.sandbox.stats(), {}

    def sb_requests(self, request: Request) -> tuple:
        return 200, {'requests': self.sandbox.requests(request.args.get('method'), request.args.get('path'))}, {}

    def sb_clusters(self, request: Request) -> tuple:
        return 200, {'clusters': self.sandbox.clusters()}, {}

    def sb_reset(self, request: Request) -> tuple:
        self.sandbox.reset()
        return 200, {'reset': True}, {}

    def _json_body(self, request: Request) -> dict:
        data = request.get_data(cache=True)
        if not data:
            return {}
        try:
            body = json.loads(data)
        except ValueError as exc:
            raise Refusal(400, f'The body is not valid JSON ({exc}).') from None
        if not isinstance(body, dict):
            raise Refusal(400, 'The body must be a JSON object.')
        return body

    def sb_faults(self, request: Request) -> tuple:
        if request.method in ('PUT', 'POST'):
            seed = request.args.get('seed')
            try:
                self.sandbox.set_faults(self._json_body(request), int(seed) if seed is not None else None)
            except ValueError as exc:
                raise Refusal(422, f'Not a fault plan: {exc}') from None
        return 200, self.sandbox.faults.describe(), {}

    def sb_force(self, request: Request) -> tuple:
        body = self._json_body(request)
        try:
            self.sandbox.force_fault(body.get('kind', ''), int(body.get('count', 1)), body.get('methods'))
        except (ValueError, TypeError) as exc:
            raise Refusal(422, str(exc)) from None
        return 200, self.sandbox.faults.describe(), {}

    def sb_action(self, request: Request, id: str, action: str) -> tuple:  # noqa: A002
        body = self._json_body(request)
        actions = {'publish': 'published', 'reject': 'rejected', 'request_revision': 'revision_requested',
                   'request-revision': 'revision_requested', 'state': body.get('state')}
        if action not in actions:
            raise Refusal(404, f'Unknown action {action!r}: publish, request_revision, reject or state.')
        try:
            plain = self.sandbox.set_state(id, actions[action], body.get('message'))
        except KeyError:
            raise Refusal(404, f'No registration {id}.') from None
        except ValueError as exc:
            raise Refusal(422, str(exc)) from None
        return 200, {'cluster': plain}, {}


# ----------------------------------------------------------------------------------------------------- helpers

def _json(status: int, document: Any, headers: dict | None = None) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), status, headers or {}, content_type=JSONAPI)


def _int_param(args: Mapping, name: str, default: int, minimum: int) -> int:
    value = args.get(name)
    if value is None or value == '':
        return default
    try:
        number = int(value)
    except ValueError:
        raise Refusal(400, f'The "{name}" parameter must be an integer.') from None
    if number < minimum:
        raise Refusal(400, f'The "{name}" parameter must be at least {minimum}.')
    return number


def _parse_filters(args: Any) -> list[dict]:
    """Drupal's filter syntax into conditions ``{path, operator, values}``."""
    groups: dict[str, dict] = {}
    for key, value in args.items(multi=True):
        if not key.startswith('filter['):
            continue
        name, _, rest = key[len('filter['):].partition(']')
        if not name:
            raise Refusal(400, f'Invalid filter parameter {key!r}.')
        group = groups.setdefault(name, {'path': None, 'operator': None, 'values': []})
        if rest.startswith('[condition]'):
            rest = rest[len('[condition]'):]
        if rest == '':
            group['shorthand'] = True
            group['values'].append(value)
        elif rest == '[path]':
            group['path'] = value
        elif rest == '[operator]':
            group['operator'] = value.upper() if value else None
        elif rest == '[value]' or rest.startswith('[value]['):
            group['values'].append(value)
        elif rest.startswith('[group]') or rest.startswith('[memberOf]'):
            raise Refusal(400, 'Filter groups are not supported by the sandbox.')
        else:
            raise Refusal(400, f'Invalid filter parameter {key!r}.')
    conditions = []
    for name, group in groups.items():
        operator = group['operator'] or '='
        if operator not in _OPERATORS:
            raise Refusal(400, f'The filter operator "{operator}" is not allowed.')
        if not group['values'] and operator not in ('IS NULL', 'IS NOT NULL'):
            raise Refusal(400, f'The filter "{name}" has no value.')
        conditions.append({'path': group['path'] or name, 'operator': operator, 'values': group['values']})
    return conditions


def _resolve(view: dict, path: str) -> list:
    """The values at ``path`` in a resource view (a many relationship gives several)."""
    if path == 'id':
        return [view['id']]
    head, _, tail = path.partition('.')
    relationships, attributes = view['relationships'], view['attributes']
    if head in relationships:
        if tail not in ('', 'id', 'target_id', 'meta.drupal_internal__target_id'):
            raise Refusal(400, f'Invalid nested filtering: the sandbox filters relationships on "id" only, not '
                               f'"{path}".')
        value = relationships[head]
        return list(value) if isinstance(value, list) else [value]
    known = set(ATTRIBUTES) | set(attributes)
    if head not in known:
        raise Refusal(400, f'Invalid nested filtering. The field `{head}`, given in the path `{path}`, does not '
                           'exist.')
    value = attributes.get(head)
    if isinstance(value, Mapping):
        value = value.get(tail or ('uri' if 'uri' in value else 'value'))
    elif tail and tail != 'value':
        raise Refusal(400, f'Invalid nested filtering. The property `{tail}` of `{head}` does not exist.')
    return list(value) if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return '1' if value else '0'
    return str(value)


def _compare(operator: str, actual: str | None, wanted: list[str]) -> bool:
    if operator == 'IS NULL':
        return actual in (None, '')
    if operator == 'IS NOT NULL':
        return actual not in (None, '')
    if actual is None:
        return operator in ('<>', 'NOT IN')
    wanted = [{'true': '1', 'false': '0'}.get(item.lower(), item) if actual in ('0', '1') else item
              for item in wanted]
    first = wanted[0]
    if operator == '=':
        return actual == first
    if operator == '<>':
        return actual != first
    if operator == 'IN':
        return actual in wanted
    if operator == 'NOT IN':
        return actual not in wanted
    if operator == 'CONTAINS':
        return first.lower() in actual.lower()
    if operator == 'STARTS_WITH':
        return actual.lower().startswith(first.lower())
    if operator == 'ENDS_WITH':
        return actual.lower().endswith(first.lower())
    if operator in ('BETWEEN', 'NOT BETWEEN'):
        inside = len(wanted) >= 2 and wanted[0] <= actual <= wanted[1]
        return inside if operator == 'BETWEEN' else not inside
    return {'>': actual > first, '>=': actual >= first, '<': actual < first, '<=': actual <= first}[operator]


def _matches(view: dict, condition: dict) -> bool:
    values = [_text(value) for value in _resolve(view, condition['path'])] or [None]
    if condition['operator'] in ('<>', 'NOT IN', 'IS NULL'):
        return all(_compare(condition['operator'], value, condition['values']) for value in values)
    return any(_compare(condition['operator'], value, condition['values']) for value in values)


def _sort_key(values: list) -> tuple:
    value = values[0] if values else None
    return (value is None, _text(value) or '')
