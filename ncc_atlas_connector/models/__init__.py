from . import ncc_atlas_term
from . import res_partner_registration
from . import res_partner_representative
