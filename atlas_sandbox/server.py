"""The Atlas sandbox: a local, strict stand-in for the ECCC Atlas (a Drupal JSON:API site), over real HTTP.

It speaks the contract of ``atlas-api.md`` §2-§6 from its own table (``contract.py``), sharing no code with the
client, and is stricter than the Atlas where the contract is silent, so that what passes here has a fair chance on
the real site:

- key authentication (header ``api-key`` or query ``?api-key=``): no key 401, an unknown key 403; an optional
  HTTP Basic gate in front (401 with an HTML body, as a web server sends);
- ``GET /jsonapi`` (who am I), ``/taxonomy_term/{vocabulary}[/{uuid}]``, ``/node/cluster[/{uuid}]`` (GET, POST,
  PATCH; no DELETE), ``/user/user/{uuid}``;
- filters (``filter[x][path|operator|value]``, ``filter[x][condition][...]``, the shorthand ``filter[field]=v``,
  ``IN`` with ``value[]``), ``sort``, pagination capped at 50 with ``links.next`` (which, as Drupal's, repeats the
  request's query, the key included when it was sent as a parameter); a search by registration number and country,
  owner, title or id reads an index, not every registration;
- 422 with ``source.pointer`` for unknown attributes or relationships, wrong types, over-long text, malformed
  e-mail, link or country code, a term that does not exist or belongs to another vocabulary, a missing ``title``,
  a ``moderation_state`` equal to the current one, and a state the key may not set: the NCC key may set only
  ``draft``, ``ready_for_publication`` and ``to_be_rejected`` (422, like Drupal's "invalid state transition"; the
  reviewer key, playing the ECCC, may set any); 403 for read-only attributes and for editing another user's
  registration; 415 for a write that is not ``application/vnd.api+json``;
- ``changed`` moves on every write, strictly increasing (microseconds);
- ``relationships.field_country`` derived from the address when it was not sent, the root terms' parent
  "virtual", ``cluster_thematic_area`` returned flat (spec §3; by option);
- the read-back quirks of spec §4, each switchable at start and while running (``quirks.py``).

``/_sandbox/...`` (guarded by the reviewer key, header ``x-reviewer-key`` or ``api-key``, or ``?key=``) lets a
person play the ECCC and drive the sandbox with curl: ``GET /_sandbox`` lists the endpoints; ``GET /reviewer`` is
the same reviewer in a browser (``reviewer_page.py``).
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

from . import reviewer_page
from .contract import (
    ATTRIBUTES,
    CLUSTER,
    NCC_STATES,
    RELATIONSHIPS,
    STATES,
    TITLES,
    UUID,
    Refusal,
    attribute_errors,
    error,
    relationship_errors,
    state_error,
)
from .faults import WRITE_METHODS, FaultInjector, FaultPlan
from .listing import index_keys, matches, parse_filters, resolve, sort_key
from .quirks import MODES, Quirks
from .resources import cluster_view, data_from_plain, plain_cluster, render_cluster, render_term, term_view
from .store import Store

_logger = logging.getLogger(__name__)

JSONAPI = 'application/vnd.api+json'
MAX_PAGE = 50
_JSONAPI_MEMBER = {'version': '1.0', 'meta': {'links': {'self': {'href': 'http://jsonapi.org/format/1.0/'}}}}
_KEY_IN_TEXT = re.compile(r'((?:api-key|key)=)[^&\s\'"]+', re.IGNORECASE)


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
    :param quirks: the read-back quirks served (a :class:`Quirks`, a dict of modes, ``'all'`` or ``'none'``; None:
        the defaults); ``set_quirks`` changes them while the sandbox runs
    :param name_in_nation_as_list: the mode of that quirk (``never``, ``always``, ``odd`` or ``even`` node ids),
        over ``quirks``
    :param url_as_string: the mode of that quirk, over ``quirks``
    :param flat_thematic_areas: return ``cluster_thematic_area`` without parents, as the Atlas does (spec §3)
    """

    def __init__(self, db: str | Path = ':memory:', api_key: str | None = None,
                 basic: tuple[str, str] | None = None, reviewer_key: str | None = None,
                 faults: None | str | dict | FaultPlan = None, seed: int = 0,
                 quirks: None | str | dict | Quirks = None, name_in_nation_as_list: str | None = None,
                 url_as_string: str | None = None, flat_thematic_areas: bool = True, terms_csv: Path | None = None):
        modes = {name: mode for name, mode in (('name_in_nation_as_list', name_in_nation_as_list),
                                              ('url_as_string', url_as_string)) if mode is not None}
        for mode in modes.values():
            if mode not in MODES:
                raise ValueError(f'unknown quirk mode {mode!r}; expected one of {", ".join(MODES)}')
        self.quirks = Quirks.parse(quirks).model_copy(update=modes)
        self.store = Store(str(db), terms_csv)
        self.api_key = api_key or secrets.token_urlsafe(24)
        self.reviewer_key = reviewer_key or secrets.token_urlsafe(24)
        if self.reviewer_key == self.api_key:
            raise ValueError('the reviewer key must differ from the NCC key')
        self.basic = tuple(basic) if basic else None
        self.faults = FaultInjector(faults, seed)
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
        self.closed = False
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
        self.closed = True  # a request still in flight (a slow one of a test) now finds no database: no bug
        self.store.close()

    def __enter__(self) -> 'Sandbox':
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ reviewer (ECCC)

    # ------------------------------------------------------------------------------------------ reviewer (ECCC)

    def set_state(self, uuid: str, state: str, message: str | None = None) -> dict:
        """Set any moderation state, as the ECCC does; returns the registration as plain values."""
        if state not in STATES:
            raise ValueError(f'unknown moderation state {state!r}')
        if self.store.cluster(uuid) is None:
            raise KeyError(f'no registration {uuid}')
        return plain_cluster(self.store.update_cluster(uuid, state=state, revision_log=message))

    def publish(self, uuid: str) -> dict:
        return self.set_state(uuid, 'published')

    def request_revision(self, uuid: str, message: str | None = None) -> dict:
        return self.set_state(uuid, 'revision_requested', message)

    def reject(self, uuid: str, message: str | None = None) -> dict:
        return self.set_state(uuid, 'rejected', message)

    # ---------------------------------------------------------------------------------------------- test helpers

    def add_cluster(self, values: Mapping[str, Any], state: str = 'draft', owner: str | None = None,
                    uuid: str | None = None, revision_log: str | None = None) -> str:
        """Store a registration from plain values (as the client sends them: a link as its URI, relationships as
        term UUIDs) in any state, for any owner (e.g. records of another tool); validated like a POST, without the
        role rule. Several national names may be given as a list. Returns its UUID (``uuid``, or a new one)."""
        if state not in STATES:
            raise ValueError(f'unknown moderation state {state!r}')
        data = data_from_plain({name: value for name, value in values.items() if name != 'moderation_state'})
        attributes, relationships = self._checked(data, None)
        uuid = uuid or str(uuidlib.uuid4())
        self.store.insert_cluster(uuid, owner or self.ncc_user_uuid, state, attributes, relationships)
        if revision_log:
            self.store.update_cluster(uuid, revision_log=revision_log)
        return uuid

    def seed(self, registrations: list[Mapping[str, Any]]) -> list[str]:
        """Store the registrations of a seed (see ``load_seed``) that the sandbox does not hold yet, by their
        ``id``: seeding a persistent sandbox again adds nothing twice and leaves what changed since alone. Returns
        the UUIDs added."""
        added = []
        for item in registrations:
            item = dict(item)
            uuid = item.pop('id')
            if self.store.cluster(uuid) is not None:
                continue
            owner = item.pop('owner', 'ncc')
            owner = {'ncc': self.ncc_user_uuid, 'eccc': self.reviewer_user_uuid}.get(owner, owner)
            state = item.pop('moderation_state', 'draft')
            revision_log = item.pop('revision_log', None)
            item.pop('_comment', None)
            added.append(self.add_cluster(item, state, owner, uuid=uuid, revision_log=revision_log))
        return added

    def edit_cluster(self, uuid: str, values: Mapping[str, Any]) -> dict:
        """Change a registration as someone on the Atlas would (the ECCC, or the NCC in the Atlas's own screens):
        plain values, validated like a PATCH (a blank clears the field); ``changed`` moves. Returns the
        registration as plain values."""
        record = self.store.cluster(uuid)
        if record is None:
            raise KeyError(f'no registration {uuid}')
        data = data_from_plain(values)
        for name, value in values.items():
            if value is None or value == '' or value == []:
                if name in RELATIONSHIPS:
                    data['relationships'][name] = {'data': [] if RELATIONSHIPS[name].many else None}
                else:
                    data['attributes'][name] = None
        attributes, relationships = self._checked(data, record)
        return plain_cluster(self.store.update_cluster(uuid, attributes=attributes, relationships=relationships))

    def _checked(self, data: dict, current: dict | None) -> tuple[dict, dict]:
        try:
            return self._app.check_write(data, None, current)
        except Refusal as refusal:
            raise ValueError('; '.join(item['detail'] for item in refusal.errors)) from None

    def clusters(self) -> list[dict]:
        """Every stored registration as plain values (see ``resources.plain_cluster``)."""
        return [plain_cluster(record) for record in self.store.clusters()]

    def cluster(self, uuid: str) -> dict | None:
        record = self.store.cluster(uuid)
        return plain_cluster(record) if record else None

    def set_faults(self, plan: None | str | dict | FaultPlan, seed: int | None = None) -> FaultPlan:
        return self.faults.set_plan(plan, seed)

    def force_fault(self, kind: str, count: int = 1, methods: list[str] | None = None) -> None:
        """The next ``count`` JSON:API requests (of ``methods``, if given) get fault ``kind``."""
        self.faults.force(kind, count, methods)

    def set_quirks(self, quirks: None | str | dict | Quirks) -> Quirks:
        """Serve other read-back quirks from the next request on (None: the defaults; see ``quirks.py``)."""
        self.quirks = Quirks.parse(quirks)
        return self.quirks

    @staticmethod
    def load_seed(path: str | Path) -> list[dict]:
        """The registrations of a seed file: JSON, a list (or ``{"registrations": [...]}``) of plain values as
        ``add_cluster`` takes them, each with its ``id`` and optionally ``moderation_state``, ``owner`` (``ncc``,
        ``eccc`` or a user UUID) and ``revision_log``."""
        document = json.loads(Path(path).read_text(encoding='utf-8'))
        registrations = document.get('registrations') if isinstance(document, dict) else document
        if not isinstance(registrations, list) or not all(isinstance(r, dict) and r.get('id')
                                                           for r in registrations):
            raise ValueError('a seed is a list of registrations, each with its "id"')
        return registrations

    def reset(self) -> None:
        """Forget every registration, the statistics, the request log and the forced faults (the terms, the users,
        the fault plan and the quirks stay)."""
        self.store.clear_clusters()
        self.faults.reset()
        with self._stats_lock:
            self._counts.clear()
            self._log.clear()

    def record(self, entry: dict) -> None:
        if entry['template'].startswith(('/_sandbox', '/reviewer')):
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
        states = self.store.count_by_state()
        return {'total': total, 'routes': routes, 'faults': dict(self.faults.injected),
                'clusters': {'total': sum(states.values()), 'by_state': states}}

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
            Rule('/_sandbox/quirks', endpoint='sb_quirks', methods=['GET', 'PUT', 'POST']),
            Rule('/_sandbox/clusters', endpoint='sb_clusters', methods=['GET']),
            Rule('/_sandbox/clusters/<id>/<action>', endpoint='sb_action', methods=['POST']),
            Rule('/reviewer', endpoint='rv_page', methods=['GET']),
            Rule('/reviewer/login', endpoint='rv_login', methods=['POST']),
            Rule('/reviewer/clusters/<id>/<action>', endpoint='rv_action', methods=['POST']),
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
            if fault in ('429', '500', '502', '503', '504', 'error_in_2xx', 'html_400', 'empty_400'):
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
        if fault == 'html_400':  # a proxy in front of the Atlas refusing the request: not the record's fault
            return Response(_html(400, 'Bad Request'), 400, content_type='text/html')
        if fault == 'empty_400':
            return Response(b'', 400)
        status = int(fault)
        headers = {'Retry-After': str(retry_after)} if status in (429, 503) else {}
        if status in (502, 504):  # a gateway answers in HTML
            return Response(_html(status, TITLES[status]), status, headers, content_type='text/html')
        detail = {429: 'Too many requests: slow down.', 500: 'The website encountered an unexpected error.',
                  503: 'The site is under maintenance.'}[status]
        return _json(status, {'jsonapi': _JSONAPI_MEMBER, 'errors': [error(status, detail)]}, headers)

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
            if endpoint.startswith('rv_'):  # the reviewer's HTML page answers in HTML, errors included
                response = getattr(self, endpoint)(request, **args)
                entry['status'] = response.status_code
                return response
            if endpoint.startswith('sb_'):
                self._check_reviewer(request)
                status, document, headers = getattr(self, endpoint)(request, **args)
            else:
                user = self._authenticate(request)
                status, document, headers = getattr(self, f'do_{endpoint}')(request, user, **args)
            response = _json(status, document, headers)
        except HTTPException as exc:  # e.g. a body over the size limit
            response = _json(exc.code or 400, {'jsonapi': _JSONAPI_MEMBER, 'errors': [
                error(exc.code or 400, exc.description or exc.name)]})
        except Refusal as refusal:
            if refusal.body is not None:
                response = Response(refusal.body, refusal.status, refusal.headers, content_type=refusal.content_type)
            else:
                response = _json(refusal.status, {'jsonapi': _JSONAPI_MEMBER, 'errors': refusal.errors},
                                 refusal.headers)
        except Exception:  # noqa: BLE001 - a sandbox bug answers 500, as Drupal would, and is logged
            if not self.sandbox.closed:
                _logger.exception('Atlas sandbox: error on %s %s', request.method, _redact_query(request.path))
            response = _json(500, {'jsonapi': _JSONAPI_MEMBER, 'errors': [
                error(500, 'The website encountered an unexpected error.')]})
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

    def render_cluster(self, record: dict, base: str, in_listing: bool = False) -> dict:
        return render_cluster(record, base, self.sandbox.quirks, in_listing)

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
        items = [(term_view(term, flat), term) for term in self.store.terms(vocabulary)]
        base = self.base(request)
        return self._collection(request, parse_filters(request.args), items,
                                lambda term: render_term(term, base, flat))

    def do_term(self, request: Request, user: _User, vocabulary: str, id: str) -> tuple:  # noqa: A002
        self._vocabulary(vocabulary)
        term = self.store.term(id)
        if not term or term['vocabulary'] != vocabulary:
            raise Refusal(404, f'The "taxonomy_term" entity with ID "{id}" does not exist.')
        return 200, {'jsonapi': _JSONAPI_MEMBER, 'data': render_term(term, self.base(request),
                                                                      self.sandbox.flat_thematic_areas)}, {}

    def do_clusters(self, request: Request, user: _User) -> tuple:
        if request.method == 'POST':
            with self.store.lock:
                return self._create(request, user)
        conditions = parse_filters(request.args)
        # The index narrows the registrations to those that may match; every condition is still checked on them.
        items = [(cluster_view(record), record) for record in self.store.clusters(**index_keys(conditions))]
        base = self.base(request)
        return self._collection(request, conditions, items,
                                lambda record: self.render_cluster(record, base, in_listing=True))

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

    def _collection(self, request: Request, conditions: list[dict], items: list[tuple[dict, Any]],
                    render: Any) -> tuple:
        items = [(view, item) for view, item in items if all(matches(view, c) for c in conditions)]
        sort = request.args.get('sort')
        if sort:
            for field in reversed([part.strip() for part in sort.split(',') if part.strip()]):
                descending = field.startswith('-')
                path = field.lstrip('-')
                items.sort(key=lambda pair: sort_key(resolve(pair[0], path)), reverse=descending)
        offset = _int_param(request.args, 'page[offset]', 0, 0)
        limit = min(_int_param(request.args, 'page[limit]', MAX_PAGE, 1), MAX_PAGE)
        page, number, quirks = items[offset:offset + limit], offset // limit, self.sandbox.quirks
        links = {'self': {'href': self._link(request, offset, limit)}}
        if offset + limit < len(items):
            links['next'] = {'href': self._link(request, offset + limit, limit,
                                                relative=quirks.applies('relative_next', number),
                                                drop_query=quirks.applies('next_drops_query', number))}
        if offset > 0:
            links['prev'] = {'href': self._link(request, max(0, offset - limit), limit)}
        document = {'jsonapi': _JSONAPI_MEMBER, 'data': [render(item) for _, item in page], 'links': links}
        if not page and quirks.applies('page_without_data', number):
            del document['data']
        return 200, document, {}

    def _link(self, request: Request, offset: int, limit: int, relative: bool = False,
              drop_query: bool = False) -> str:
        """Like Drupal: the request's own query (the key too, when it came as a parameter) with a new page; the
        quirks may make it relative to the JSON:API root, or keep only the offset (and the key)."""
        params = [(key, value) for key, value in request.args.items(multi=True)
                  if key not in ('page[offset]', 'page[limit]') and (not drop_query or key == 'api-key')]
        params.append(('page[offset]', str(offset)))
        if not drop_query:
            params.append(('page[limit]', str(limit)))
        query = urlencode(params)
        path = request.path[len('/jsonapi'):] if relative else request.host_url.rstrip('/') + request.path
        return path + (f'?{query}' if query else '')

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
        if data.get('type') != CLUSTER:
            raise Refusal(409, f'The provided type ({data.get("type")}) does not match the destination resource '
                               f'types ({CLUSTER}).', '/data/type')
        return data

    def check_write(self, data: dict, user: _User | None, current: dict | None) -> tuple[dict, dict]:
        """Validate a ``node--cluster`` write against the contract; returns (attributes, relationships) in storage
        form. ``current`` is the stored record on PATCH (None on POST); ``user`` None means a trusted caller (the
        sandbox's own helpers: no role rule)."""
        attributes = data.get('attributes', {})
        errors = attribute_errors(attributes, creating=current is None)
        forbidden = [item for item in errors if item['status'] == '403']
        if forbidden:
            raise Refusal(403, errors=forbidden)
        if isinstance(attributes, Mapping) and 'moderation_state' in attributes:
            may_set = NCC_STATES if user is not None and user.role == 'ncc' else STATES
            problem = state_error(attributes['moderation_state'], current['moderation_state'] if current else None,
                                  may_set)
            errors += [problem] if problem else []
        stored_relationships, relationship_problems = relationship_errors(data.get('relationships', {}),
                                                                          self._term_vocabulary)
        errors += relationship_problems
        if errors:
            raise Refusal(400 if any(item['status'] == '400' for item in errors) else 422, errors=errors)
        stored_attributes = {name: value for name, value in attributes.items() if name != 'moderation_state'}
        for name, value in stored_attributes.items():
            if ATTRIBUTES[name].kind == 'address' and value:
                stored_attributes[name] = {part: item for part, item in value.items() if item is not None}
        return stored_attributes, stored_relationships

    def _term_vocabulary(self, uuid: str) -> str | None:
        term = self.store.term(uuid)
        return term['vocabulary'] if term else None

    def _create(self, request: Request, user: _User) -> tuple:
        data = self._document(request)
        uuid = data.get('id')
        if uuid is not None:
            if not isinstance(uuid, str) or not UUID.match(uuid):
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
            'GET /reviewer': 'the same decisions in a browser: every registration with Publish, Request revision '
                             'and Reject buttons',
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
            'GET /_sandbox/quirks': 'the read-back quirks served, each never, always, odd or even',
            'PUT /_sandbox/quirks': 'body: quirks, e.g. {"url_as_string": "always", "*": "never"}, or "all" / "none"',
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

    def sb_quirks(self, request: Request) -> tuple:
        if request.method in ('PUT', 'POST'):
            text = request.get_data(cache=True).decode('utf-8', errors='replace').strip()
            try:
                self.sandbox.set_quirks(text or None)
            except ValueError as exc:
                raise Refusal(422, f'Not quirks: {exc}') from None
        return 200, self.sandbox.quirks.model_dump(), {}

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

    # ------------------------------------------------------------------------------------------ /reviewer

    def _reviewer_refusal(self, request: Request, key: str | None) -> Response | None:
        """The key form (401, or 403 for a wrong key) unless ``key`` is the reviewer key."""
        if not key:
            return _page_response(401, reviewer_page.key_form())
        if not secrets.compare_digest(key.encode(), self.sandbox.reviewer_key.encode()):
            return _page_response(403, reviewer_page.key_form('This is not the reviewer key.'))
        return None

    def _given_reviewer_key(self, request: Request) -> str | None:
        # What this request gives first: a key kept from another sandbox's page must not hide the one given now.
        return (request.headers.get('x-reviewer-key') or request.args.get('key')
                or request.cookies.get(reviewer_page.COOKIE) or None)

    def _remember_key(self, response: Response, key: str) -> Response:
        response.set_cookie(reviewer_page.COOKIE, key, path='/reviewer', httponly=True, samesite='Strict')
        return response

    def rv_page(self, request: Request) -> Response:
        key = self._given_reviewer_key(request)
        refusal = self._reviewer_refusal(request, key)
        if refusal:
            return refusal
        notice = ''
        done = request.args.get('done')
        if done:
            record = self.sandbox.cluster(done)
            notice = reviewer_page.done_notice(record) if record else ''
        page = reviewer_page.listing(self.sandbox.clusters(), self.sandbox.ncc_user_uuid, notice)
        return self._remember_key(_page_response(200, page), key)

    def rv_login(self, request: Request) -> Response:
        key = request.form.get('key') or None
        refusal = self._reviewer_refusal(request, key)
        if refusal:
            return refusal
        return self._remember_key(_redirect('/reviewer'), key)

    def rv_action(self, request: Request, id: str, action: str) -> Response:  # noqa: A002
        refusal = self._reviewer_refusal(request, self._given_reviewer_key(request) or request.form.get('key'))
        if refusal:
            return refusal
        if action not in reviewer_page.ACTIONS:
            return _page_response(404, reviewer_page.key_form(f'Unknown action {action!r}.'))
        message = (request.form.get('message') or '').strip() or None
        try:
            self.sandbox.set_state(id, reviewer_page.ACTIONS[action][1], message)
        except KeyError:
            return _page_response(404, reviewer_page.key_form(f'No registration {id}.'))
        return _redirect(f'/reviewer?{urlencode({"done": id})}')


# ----------------------------------------------------------------------------------------------------- helpers

def _page_response(status: int, page: str) -> Response:
    return Response(page, status, content_type='text/html; charset=utf-8')


def _redirect(location: str) -> Response:
    return Response('', 303, {'Location': location})


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

