from . import ncc_atlas_term
from . import res_partner_registration
from . import res_partner_representative
from . import ncc_assessment_stage
from . import ncc_assessment_check
from . import ncc_stage_history
from . import res_partner_assessment
