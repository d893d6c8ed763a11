from odoo import models
from odoo.fields import Command

# Context key under which the tracking messages of several partners are gathered, to be created together.
TRACKING_LOGS = "ncc_tracking_logs"
# Context key under which one partner's tracking message is handed to the gathering instead of being created.
TRACKING_LOG_VALUES = "ncc_tracking_log_values"


class _GatheredLogs:
    """The values of the tracking messages gathered so far. Compared by identity, as the environment's context is:
    two gatherings never share an environment."""

    __slots__ = ("values_list",)

    def __init__(self):
        self.values_list = []


class ResPartner(models.Model):
    """Tracking messages of a move of many partners at once, created in one go.

    Mail logs a tracked change partner by partner, one message creation each (with its tracking values): a stage
    move of the batch's applications (the Atlas's "ECCC review", an officer's move of a selection) would create
    its messages one at a time. The same messages, with the same values, are created here together: only the
    creation is grouped, not what each message says, its tracking values, nor on which record it is logged. A
    change that mail posts with a subtype (a notification to followers) is left as it is."""

    _inherit = "res.partner"

    def _message_track(self, fields_iter, initial_values_dict):
        if len(self) < 2 or self.env.context.get(TRACKING_LOGS) is not None:
            return super()._message_track(fields_iter, initial_values_dict)
        gathered = _GatheredLogs()
        tracking = super(ResPartner, self.with_context(**{TRACKING_LOGS: gathered}))._message_track(
            fields_iter, initial_values_dict)
        if gathered.values_list:
            self._ncc_create_gathered_logs(gathered.values_list)
        return tracking

    def _ncc_create_gathered_logs(self, values_list):
        """The gathered messages in one creation, and their tracking values in one more (mail would create
        those message by message)."""
        tracking_values = []
        for values in values_list:
            commands = values.get("tracking_value_ids") or []
            if all(len(command) == 3 and command[0] == Command.CREATE for command in commands):
                values.pop("tracking_value_ids", None)
                tracking_values.append([command[2] for command in commands])
            else:
                tracking_values.append([])
        messages = self._message_create(values_list)
        self.env["mail.tracking.value"].sudo().create([
            {**vals, "mail_message_id": message.id}
            for message, vals_list in zip(messages, tracking_values, strict=True)
            for vals in vals_list
        ])

    def _message_log(self, **kwargs):
        gathered = self.env.context.get(TRACKING_LOGS)
        if gathered is None or kwargs.get("attachment_ids"):
            return super()._message_log(**kwargs)
        handing = self.with_context(**{TRACKING_LOGS: None, TRACKING_LOG_VALUES: gathered})
        return super(ResPartner, handing)._message_log(**kwargs)

    def _message_create(self, values_list):
        gathered = self.env.context.get(TRACKING_LOG_VALUES)
        if gathered is None:
            return super()._message_create(values_list)
        gathered.values_list += values_list
        return self.env["mail.message"]
