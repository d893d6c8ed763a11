from odoo import api, models

OFFICER_GROUP = "ncc_atlas_connector.group_ncc_officer"
HOME_ACTION = "ncc_atlas_connector.action_ncc_application"


class ResUsers(models.Model):
    """NCC officers and managers start their day on the applications, not on Discuss: the Community app's
    pipeline is their home action. Nobody else's home changes, and a home someone chose is kept."""

    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._ncc_set_home()
        return users

    def write(self, vals):
        result = super().write(vals)
        if "group_ids" in vals:
            self._ncc_set_home()
        return result

    def _ncc_set_home(self):
        """Give the NCC users among these (all of them when called on none) the applications as home; take it
        back from those who left the NCC's groups."""
        home = self.env.ref(HOME_ACTION, raise_if_not_found=False)
        officer = self.env.ref(OFFICER_GROUP, raise_if_not_found=False)
        if not home or not officer:
            return
        users = (self or self.with_context(active_test=False).search([("share", "=", False)])).sudo()
        ncc = users.filtered(lambda user: officer in user.all_group_ids and not user.share)
        ncc.filtered(lambda user: not user.action_id).write({"action_id": home.id})
        (users - ncc).filtered(lambda user: user.action_id.id == home.id).write({"action_id": False})
