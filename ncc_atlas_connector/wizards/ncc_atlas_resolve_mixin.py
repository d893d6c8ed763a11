from odoo import _, models
from odoo.exceptions import AccessError, UserError

from ..atlas import AtlasError, AuthenticationError, NotFoundError, RetryableError

OFFICER_GROUP = "ncc_atlas_connector.group_ncc_officer"


class NccAtlasResolveMixin(models.AbstractModel):
    """What the wizards that settle a registration with the Atlas share: who may settle, talking to the Atlas with
    words for a person when it fails, and sending the outcome at once."""

    _name = "ncc.atlas.resolve.mixin"
    _description = "Settle a registration with the Atlas"

    def _ncc_settled_partner(self, partner, state):
        """``partner`` under sudo, to write its sync bookkeeping, once the user is known to be an officer and the
        registration still waits for this decision."""
        if not (self.env.su or self.env.user.has_group(OFFICER_GROUP)):
            raise AccessError(_("Only NCC officers can settle a registration with the Atlas."))
        if not partner:
            raise UserError(_("This window has lost its company: close it and press Resolve again."))
        if partner.ncc_sync_state != state:
            current = dict(partner._fields["ncc_sync_state"]._description_selection(self.env))
            raise UserError(_(
                "%(company)s has been settled meanwhile (its sync state is now '%(state)s'): close this window.",
                company=partner.display_name, state=current.get(partner.ncc_sync_state, partner.ncc_sync_state),
            ))
        return partner.sudo()

    def _ncc_ask_atlas(self, partner, operation, ask):
        """``ask(client)``, with every exchange logged against ``partner`` and any failure told in words."""
        sync = self.env["ncc.atlas.sync"]
        exchanges = []
        try:
            with sync._client(exchanges) as client:
                return ask(client)
        except NotFoundError:
            raise UserError(_(
                "The Atlas no longer holds this registration of %s. Close this window and send it again.",
                partner.display_name,
            )) from None
        except RetryableError:
            # The transport's details (addresses, errno) say nothing to an officer; the exchange's log keeps them.
            raise UserError(_(
                "The Atlas could not be reached for %s just now. Nothing was changed; try again in a few minutes.",
                partner.display_name,
            )) from None
        except AuthenticationError:
            raise UserError(_(
                "The Atlas refused the connector's key. Nothing was changed; an administrator must check the key "
                "in Settings > Community Registration.",
            )) from None
        except AtlasError as exc:  # the client's message is a sentence for an officer
            raise UserError(_(
                "The Atlas answered with an error for %(company)s (nothing was changed): %(reason)s",
                company=partner.display_name, reason=self.env["res.partner"]._ncc_words(exc.message),
            )) from None
        except ValueError:  # nothing to search by
            raise UserError(_(
                "%s can only be looked up on the Atlas by its registration number or its name: fill them in "
                "first.", partner.display_name,
            )) from None
        finally:
            sync._log(exchanges, partner, operation)

    def _ncc_send_soon(self):
        """The officer has decided: run the push now rather than at the next scheduled tick."""
        cron = self.env.ref("ncc_atlas_connector.ir_cron_ncc_atlas_push", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
