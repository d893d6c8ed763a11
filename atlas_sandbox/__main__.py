"""Serve the Atlas sandbox until Ctrl-C.

    python -m atlas_sandbox --port 8070 --db atlas-sandbox.sqlite3 --key KEY [--quirks all]
"""

import argparse
import logging
import signal
import sys
import threading

from .faults import FAULT_KINDS, FaultPlan
from .quirks import MODES, Quirks
from .server import Sandbox


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m atlas_sandbox',
        description='A local, strict stand-in for the ECCC Atlas JSON:API, for demonstrations and tests.')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=8070, help='port (default 8070; 0 picks a free one)')
    parser.add_argument('--db', default=':memory:', help='SQLite file that keeps the registrations (default: memory)')
    parser.add_argument('--key', help='the NCC API key (default: a random one, printed)')
    parser.add_argument('--reviewer-key', help='the ECCC reviewer key for /_sandbox (default: random, printed)')
    parser.add_argument('--basic', metavar='USER:PASSWORD', help='put an HTTP Basic gate in front')
    parser.add_argument('--faults', metavar='PLAN',
                        help='fault plan as JSON or @file.json, e.g. \'{"rate": 0.2, "kinds": {"429": 1, '
                             f'"reset": 1}}}}\'; kinds: {", ".join(FAULT_KINDS)}')
    parser.add_argument('--seed', type=int, default=0, help='seed of the fault draws (default 0)')
    parser.add_argument('--quirks', metavar='QUIRKS',
                        help='read-back quirks served: "all" (each on odd node ids / pages), "none", or JSON or '
                             '@file.json of modes (never, always, odd, even), e.g. \'{"relative_next": "always", '
                             f'"*": "never"}}\'; quirks: {", ".join(Quirks.model_fields)} (default: '
                             'name_in_nation_as_list odd, the others never)')
    parser.add_argument('--name-in-nation-as-list', choices=MODES,
                        help='which records return field_institution_name_in_nation as a list (over --quirks)')
    parser.add_argument('--url-as-string', choices=MODES,
                        help='which records return field_url as a plain string (over --quirks)')
    parser.add_argument('--thematic-parents', action='store_true',
                        help='return the parents of cluster_thematic_area terms (the Atlas returns a flat list)')
    parser.add_argument('--registrations', metavar='FILE',
                        help='seed: a JSON file of registrations the sandbox stores at start when it does not hold '
                             'them yet (by id), e.g. atlas_sandbox/demo_registrations.json')
    parser.add_argument('-v', '--verbose', action='store_true', help='log every request')
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    basic = None
    if args.basic:
        user, sep, password = args.basic.partition(':')
        if not sep or not user:
            print('--basic expects USER:PASSWORD', file=sys.stderr)
            return 2
        basic = (user, password)
    try:
        plan = FaultPlan.parse(args.faults)
    except (ValueError, OSError) as exc:
        print(f'--faults: {exc}', file=sys.stderr)
        return 2
    try:
        quirks = Quirks.parse(args.quirks)
    except (ValueError, OSError) as exc:
        print(f'--quirks: {exc}', file=sys.stderr)
        return 2
    sandbox = Sandbox(db=args.db, api_key=args.key, basic=basic, reviewer_key=args.reviewer_key, faults=plan,
                      seed=args.seed, quirks=quirks, name_in_nation_as_list=args.name_in_nation_as_list,
                      url_as_string=args.url_as_string, flat_thematic_areas=not args.thematic_parents)
    if args.registrations:
        try:
            added = sandbox.seed(Sandbox.load_seed(args.registrations))
        except (ValueError, KeyError, OSError) as exc:
            print(f'--registrations: {exc}', file=sys.stderr)
            sandbox.close()
            return 2
        print(f'Seeded {len(added)} registrations from {args.registrations}', flush=True)
    url = sandbox.start(args.host, args.port)
    root = url[:-len('/jsonapi')]
    print(f'Atlas sandbox serving {url}', flush=True)
    print(f'  NCC API key:   {sandbox.api_key}   (header "api-key", or ?api-key=)')
    print(f'  NCC user UUID: {sandbox.ncc_user_uuid}')
    print(f'  reviewer key:  {sandbox.reviewer_key}   (header "x-reviewer-key" on {root}/_sandbox/...)')
    if basic:
        print(f'  HTTP Basic:    {basic[0]} / (the password given)')
    print(f'  database:      {args.db}')
    if plan.rate or plan.latency_ms:
        print(f'  faults:        {plan.model_dump_json()} (seed {args.seed})')
    print(f'  quirks:        {sandbox.quirks.model_dump_json()}')
    print(f'  e.g. curl -H "x-reviewer-key: {sandbox.reviewer_key}" {root}/_sandbox', flush=True)
    print('Press Ctrl-C to stop.', flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.close()
        print('Atlas sandbox stopped.', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
