"""The ECCC reviewer's page of the sandbox: ``GET /reviewer`` lists the registrations with a Publish, a Request
revision (with a message) and a Reject button each, as plain server-rendered HTML forms.

It is guarded by the reviewer key like ``/_sandbox``: given once in the page's own form (then kept in a cookie of
this page only), or as the header ``x-reviewer-key``, or as ``?key=`` (for a link or a screenshot).
"""

from html import escape
from typing import Any

#: The buttons of the page: the action in the form's URL, its label, and the state it sets.
ACTIONS = {
    'publish': ('Publish', 'published'),
    'request_revision': ('Request revision', 'revision_requested'),
    'reject': ('Reject', 'rejected'),
}
#: Actions whose form carries a message to the NCC (the Atlas's revision log).
WITH_MESSAGE = ('request_revision', 'reject')
COOKIE = 'atlas_sandbox_reviewer_key'

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px 32px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px; } p.lead { color: #555; margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 8px; vertical-align: top; }
th { background: #f1f3f5; font-weight: 600; } tr + tr td { border-top: 1px solid #e3e6e8; }
.state { display: inline-block; padding: 2px 8px; border-radius: 10px; background: #e9ecef; white-space: nowrap; }
.state-published { background: #d3f0dc; } .state-ready_for_publication { background: #fff1c2; }
.state-revision_requested { background: #ffe0c2; } .state-rejected, .state-to_be_rejected { background: #f8d3d3; }
.muted { color: #777; font-size: 12px; } form { display: inline; margin: 0; }
.actions { display: grid; grid-template-columns: 1fr auto; gap: 6px; }
.actions form { display: contents; } .actions .alone { grid-column: 2; }
input[type=text], input[type=password] { padding: 4px 6px; border: 1px solid #bbb; border-radius: 4px; }
input[type=text] { width: 100%; box-sizing: border-box; } th.decide { width: 460px; }
button { padding: 4px 10px; border: 1px solid #888; border-radius: 4px; background: #fff; cursor: pointer; }
button.publish { background: #1f7a3f; color: #fff; border-color: #1f7a3f; }
button.reject { background: #a61b1b; color: #fff; border-color: #a61b1b; }
button:disabled { opacity: .4; cursor: default; }
.notice { padding: 8px 12px; background: #e7f1ff; border: 1px solid #b6d4fe; border-radius: 4px; margin-bottom: 16px; }
.error { background: #fde2e2; border-color: #f5b5b5; }
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<style>{_STYLE}</style></head><body>{body}</body></html>\n')


def key_form(message: str = '') -> str:
    """The page asking for the reviewer key (answered with 401 or 403)."""
    notice = f'<p class="notice error">{escape(message)}</p>' if message else ''
    return _page('Atlas sandbox: ECCC reviewer', (
        '<h1>Atlas sandbox: ECCC reviewer</h1>'
        '<p class="lead">Play the ECCC: publish the registrations the NCCs send, ask for a revision or reject them.'
        '</p>'
        f'{notice}<form method="post" action="/reviewer/login">'
        '<label>Reviewer key <input type="password" name="key" autofocus></label> '
        '<button type="submit">Open</button></form>'))


def _address(record: dict) -> str:
    address = record.get('field_address') or {}
    parts = [address.get('locality'), address.get('country_code')]
    return ', '.join(part for part in parts if part)


def _row(record: dict, ncc_owner: str) -> str:
    uuid = escape(record['id'])
    state = record['moderation_state']
    owner = 'the NCC' if record['owner'] == ncc_owner else 'another user'
    names = record.get('field_institution_name_in_nation')
    national = ', '.join(names) if isinstance(names, list) else (names or '')
    national = '' if national == record.get('title') else national
    buttons = []
    for action, (label, target) in ACTIONS.items():
        disabled = ' disabled' if state == target else ''
        message = (f'<input type="text" name="message" placeholder="Message to the NCC (optional)" '
                   f'aria-label="Message for {escape(label.lower())}">' if action in WITH_MESSAGE else '')
        alone = '' if message else ' alone'
        buttons.append(
            f'<form method="post" action="/reviewer/clusters/{uuid}/{action}">{message}'
            f'<button type="submit" class="{action}{alone}"{disabled}>{label}</button></form>')
    revision = record.get('revision_log')
    revision_note = f'<div class="muted">Message: {escape(str(revision))}</div>' if revision else ''
    return (
        f'<tr><td><strong>{escape(record.get("title") or "(untitled)")}</strong>'
        f'<div class="muted">{escape(national)}</div></td>'
        f'<td>{escape(record.get("field_registration_number") or "")}<div class="muted">'
        f'{escape(_address(record))}</div></td>'
        f'<td><span class="state state-{escape(state)}">{escape(state.replace("_", " "))}</span>{revision_note}'
        f'<div class="muted">changed {escape(str(record.get("changed") or "")[:16].replace("T", " "))}, '
        f'by {owner}</div></td>'
        f'<td><div class="actions">{"".join(buttons)}</div></td></tr>')


def listing(records: list[dict], ncc_owner: str, notice: str = '') -> str:
    """The page listing every registration, newest change first, with the reviewer's buttons."""
    rows = ''.join(_row(record, ncc_owner) for record in
                   sorted(records, key=lambda r: str(r.get('changed') or ''), reverse=True))
    if not rows:
        rows = ('<tr><td colspan="4" class="muted">No registration yet: an NCC sends its approved applications.'
                '</td></tr>')
    notice_html = f'<p class="notice">{escape(notice)}</p>' if notice else ''
    return _page('Atlas sandbox: ECCC reviewer', (
        '<h1>Atlas sandbox: ECCC reviewer</h1>'
        f'<p class="lead">{len(records)} registrations. The NCC\'s next sync brings each decision into its '
        'pipeline.</p>'
        f'{notice_html}<table><thead><tr><th>Organisation</th><th>Registration number</th><th>State</th>'
        f'<th class="decide">Decide</th></tr></thead><tbody>{rows}</tbody></table>'))


def done_notice(record: dict[str, Any]) -> str:
    state = record['moderation_state'].replace('_', ' ')
    return f'{record.get("title") or record["id"]} is now {state}.'
