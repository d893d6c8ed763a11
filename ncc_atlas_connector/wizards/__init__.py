from . import ncc_decision_wizard
from . import ncc_atlas_resolve_mixin
from . import ncc_atlas_conflict_wizard
from . import ncc_atlas_link_wizard
from . import ncc_decision_wizard_referral
