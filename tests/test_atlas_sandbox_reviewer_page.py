"""The sandbox's ECCC reviewer page (GET /reviewer): plain HTML forms, guarded by the reviewer key, driven here
as a browser drives them (a form post, a cookie, a redirect), and its seed of registrations."""

import json
import re
import subprocess
import sys
import time

import pytest
import requests
from conftest import ROOT, SANDBOX_KEY, SANDBOX_REVIEWER_KEY

from atlas_sandbox import Sandbox


def _root(sandbox):
    return sandbox.url[:-len('/jsonapi')]


def _values(sandbox, title='Moselle Cyber Defence S.à r.l.', number='B245781'):
    cluster_type = sandbox.store.terms('cluster_type')[0]['uuid']
    return {'title': title, 'field_registration_number': number, 'field_cluster_type': cluster_type,
            'field_address': {'country_code': 'LU', 'locality': 'Contern', 'address_line1': '14 rue Edmond Reuter'}}


@pytest.fixture
def browser(sandbox):
    """A browser that has opened the page with the reviewer key (given in the page's own form)."""
    session = requests.Session()
    response = session.post(f'{_root(sandbox)}/reviewer/login', data={'key': SANDBOX_REVIEWER_KEY}, timeout=10)
    assert response.status_code == 200 and response.url.endswith('/reviewer'), response.text
    return session


def _forms(page):
    """The actions of the page's forms, with the names of their inputs."""
    forms = re.findall(r'<form method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    return {action: re.findall(r'name="([^"]+)"', body) for action, body in forms}


# ---------------------------------------------------------------------------------------------- the guard

def test_page_without_the_key_asks_for_it(sandbox):
    uuid = sandbox.add_cluster(_values(sandbox))
    response = requests.get(f'{_root(sandbox)}/reviewer', timeout=10)
    assert response.status_code == 401
    assert response.headers['Content-Type'].startswith('text/html')
    assert 'name="key"' in response.text and 'action="/reviewer/login"' in response.text
    assert uuid not in response.text and 'Moselle' not in response.text


@pytest.mark.parametrize('how', ['form', 'query', 'header', 'cookie'])
def test_a_wrong_key_is_refused_however_given(sandbox, how):
    sandbox.add_cluster(_values(sandbox))
    url = f'{_root(sandbox)}/reviewer'
    if how == 'form':
        response = requests.post(f'{url}/login', data={'key': SANDBOX_KEY}, timeout=10)  # the NCC's key
    elif how == 'query':
        response = requests.get(url, params={'key': 'guess'}, timeout=10)
    elif how == 'header':
        response = requests.get(url, headers={'x-reviewer-key': 'guess'}, timeout=10)
    else:
        response = requests.get(url, cookies={'atlas_sandbox_reviewer_key': 'guess'}, timeout=10)
    assert response.status_code == 403
    assert 'This is not the reviewer key.' in response.text and 'Moselle' not in response.text
    assert 'set-cookie' not in {name.lower() for name in response.headers}


def test_actions_without_the_key_change_nothing(sandbox):
    uuid = sandbox.add_cluster(_values(sandbox), state='ready_for_publication')
    for cookies in ({}, {'atlas_sandbox_reviewer_key': 'guess'}):
        response = requests.post(f'{_root(sandbox)}/reviewer/clusters/{uuid}/publish', cookies=cookies, timeout=10)
        assert response.status_code in (401, 403)
    assert sandbox.cluster(uuid)['moderation_state'] == 'ready_for_publication'


def test_the_key_is_kept_in_a_cookie_of_the_page_only(sandbox):
    response = requests.post(f'{_root(sandbox)}/reviewer/login', data={'key': SANDBOX_REVIEWER_KEY},
                             allow_redirects=False, timeout=10)
    assert response.status_code == 303 and response.headers['Location'] == '/reviewer'
    cookie = response.headers['Set-Cookie']
    assert 'Path=/reviewer' in cookie and 'HttpOnly' in cookie and 'SameSite=Strict' in cookie


# ----------------------------------------------------------------------------------------------- the page

def test_page_lists_registrations_with_their_buttons(sandbox, browser):
    first = sandbox.add_cluster(_values(sandbox), state='ready_for_publication')
    second = sandbox.add_cluster(_values(sandbox, 'Alzette Threat Intelligence', 'B276015'), state='published')
    response = browser.get(f'{_root(sandbox)}/reviewer', timeout=10)
    assert response.status_code == 200 and response.headers['Content-Type'].startswith('text/html')
    page = response.text
    assert 'Moselle Cyber Defence S.à r.l.' in page and 'B245781' in page and 'Contern, LU' in page
    assert 'Alzette Threat Intelligence' in page and '2 registrations' in page
    forms = _forms(page)
    for uuid in (first, second):
        assert forms[f'/reviewer/clusters/{uuid}/publish'] == []
        assert forms[f'/reviewer/clusters/{uuid}/request_revision'] == ['message']
        assert forms[f'/reviewer/clusters/{uuid}/reject'] == ['message']
    # a published registration cannot be published again: its button is off
    button = '"><button type="submit" class="publish alone"'
    assert f'/reviewer/clusters/{second}/publish{button} disabled>' in page
    assert f'/reviewer/clusters/{first}/publish{button}>' in page


def test_page_escapes_what_it_shows(sandbox, browser):
    sandbox.add_cluster(_values(sandbox, title='<script>alert(1)</script> & Co'))
    page = browser.get(f'{_root(sandbox)}/reviewer', timeout=10).text
    assert '<script>alert' not in page and '&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co' in page


def test_key_in_the_query_opens_the_page_and_is_remembered(sandbox):
    sandbox.add_cluster(_values(sandbox))
    session = requests.Session()
    response = session.get(f'{_root(sandbox)}/reviewer', params={'key': SANDBOX_REVIEWER_KEY}, timeout=10)
    assert response.status_code == 200 and 'Moselle' in response.text
    assert session.get(f'{_root(sandbox)}/reviewer', timeout=10).status_code == 200  # the cookie is enough now


def test_a_key_given_now_wins_over_a_stale_cookie(sandbox):
    response = requests.get(f'{_root(sandbox)}/reviewer', params={'key': SANDBOX_REVIEWER_KEY},
                            cookies={'atlas_sandbox_reviewer_key': 'key-of-another-sandbox'}, timeout=10)
    assert response.status_code == 200


def test_an_empty_sandbox_says_so(sandbox, browser):
    page = browser.get(f'{_root(sandbox)}/reviewer', timeout=10).text
    assert 'No registration yet' in page


# -------------------------------------------------------------------------------------------- the actions

def test_publish(sandbox, browser):
    uuid = sandbox.add_cluster(_values(sandbox), state='ready_for_publication')
    response = browser.post(f'{_root(sandbox)}/reviewer/clusters/{uuid}/publish', allow_redirects=False, timeout=10)
    assert response.status_code == 303 and response.headers['Location'] == f'/reviewer?done={uuid}'
    assert sandbox.cluster(uuid)['moderation_state'] == 'published'
    page = browser.get(f'{_root(sandbox)}{response.headers["Location"]}', timeout=10).text
    assert 'Moselle Cyber Defence S.à r.l. is now published.' in page


def test_request_revision_with_a_message(sandbox, browser):
    uuid = sandbox.add_cluster(_values(sandbox), state='ready_for_publication')
    response = browser.post(f'{_root(sandbox)}/reviewer/clusters/{uuid}/request_revision',
                            data={'message': '  Please describe the products more precisely.  '}, timeout=10)
    assert response.status_code == 200 and 'is now revision requested.' in response.text
    cluster = sandbox.cluster(uuid)
    assert cluster['moderation_state'] == 'revision_requested'
    assert cluster['revision_log'] == 'Please describe the products more precisely.'
    assert 'Message: Please describe the products more precisely.' in response.text
    # the NCC reads the message back over JSON:API, as its sync does
    document = requests.get(f'{sandbox.url}/node/cluster/{uuid}', headers={'api-key': SANDBOX_KEY}, timeout=10).json()
    assert document['data']['attributes']['revision_log'] == 'Please describe the products more precisely.'


def test_reject_with_a_message(sandbox, browser):
    uuid = sandbox.add_cluster(_values(sandbox), state='ready_for_publication')
    browser.post(f'{_root(sandbox)}/reviewer/clusters/{uuid}/reject', data={'message': 'Not established in the EU.'},
                 timeout=10)
    cluster = sandbox.cluster(uuid)
    assert (cluster['moderation_state'], cluster['revision_log']) == ('rejected', 'Not established in the EU.')


def test_unknown_registration_or_action(sandbox, browser):
    uuid = sandbox.add_cluster(_values(sandbox), state='ready_for_publication')
    missing = browser.post(f'{_root(sandbox)}/reviewer/clusters/11111111-2222-4333-8444-555555555555/publish',
                           timeout=10)
    assert missing.status_code == 404 and 'No registration' in missing.text
    unknown = browser.post(f'{_root(sandbox)}/reviewer/clusters/{uuid}/delete', timeout=10)
    assert unknown.status_code == 404 and 'Unknown action' in unknown.text
    assert sandbox.cluster(uuid)['moderation_state'] == 'ready_for_publication'


def test_the_page_is_not_atlas_traffic(sandbox, browser):
    uuid = sandbox.add_cluster(_values(sandbox), state='ready_for_publication')
    browser.get(f'{_root(sandbox)}/reviewer', timeout=10)
    browser.post(f'{_root(sandbox)}/reviewer/clusters/{uuid}/publish', timeout=10)
    assert sandbox.stats()['total'] == 0


# --------------------------------------------------------------------------------------------------- seed

def test_seed_adds_each_registration_once_by_id(sandbox):
    seed = [{'id': '5b0e6a52-3c1e-4a7e-9d3a-6f1f2b7c0a11', 'moderation_state': 'published', **_values(sandbox)},
            {'id': '1f6c8a3e-9b24-4d71-8e5f-2a7d0c4b6e55', 'owner': 'eccc', 'revision_log': 'Entered by the ECCC.',
             **_values(sandbox, 'Alzette Threat Intelligence', 'B276015')}]
    assert sandbox.seed(seed) == [seed[0]['id'], seed[1]['id']]
    assert sandbox.cluster(seed[1]['id'])['revision_log'] == 'Entered by the ECCC.'
    sandbox.publish(seed[1]['id'])
    assert sandbox.seed(seed) == []  # again: nothing added, what changed since stays
    first, second = sandbox.cluster(seed[0]['id']), sandbox.cluster(seed[1]['id'])
    assert (first['moderation_state'], first['owner']) == ('published', sandbox.ncc_user_uuid)
    assert (second['moderation_state'], second['owner']) == ('published', sandbox.reviewer_user_uuid)


def test_the_demo_seed_is_valid_and_holds_what_the_demo_needs(sandbox):
    """The seed of the README's run command: each registration passes the contract's checks, and the registration
    numbers the demo's needs-a-choice (two registrations) and conflict (one) examples look up are there."""
    seed = Sandbox.load_seed(ROOT / 'atlas_sandbox' / 'demo_registrations.json')
    sandbox.seed(seed)
    clusters = sandbox.clusters()
    assert len(clusters) == len(seed)
    numbers = [c['field_registration_number'] for c in clusters]
    assert numbers.count('B276015') == 2 and numbers.count('B198432') == 1
    assert {c['moderation_state'] for c in clusters} >= {'published', 'ready_for_publication', 'revision_requested'}
    assert all(c['field_address']['country_code'] == 'LU' for c in clusters)


def test_seed_refuses_what_the_contract_refuses(sandbox, tmp_path):
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps([{'id': 'x', 'title': 'No such field', 'field_nonsense': 1}]))
    with pytest.raises(ValueError):
        sandbox.seed(Sandbox.load_seed(bad))
    (tmp_path / 'no-id.json').write_text(json.dumps([{'title': 'No id'}]))
    with pytest.raises(ValueError):
        Sandbox.load_seed(tmp_path / 'no-id.json')


def test_command_line_seeds_at_start(tmp_path):
    db = tmp_path / 'sandbox.sqlite'
    process = subprocess.Popen(
        [sys.executable, '-m', 'atlas_sandbox', '--port', '0', '--db', str(db), '--key', 'k1',
         '--reviewer-key', 'r1', '--registrations', str(ROOT / 'atlas_sandbox' / 'demo_registrations.json')],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if 'serving' in line:
                break
        assert any(line.startswith('Seeded 7 registrations') for line in lines), lines
        url = next(line.split()[-1] for line in lines if 'serving' in line)
        page = requests.get(url.replace('/jsonapi', '/reviewer'), params={'key': 'r1'}, timeout=10).text
        assert 'Kirchberg Secure Payments S.A.' in page and '7 registrations' in page
    finally:
        process.terminate()
        process.wait(timeout=10)
