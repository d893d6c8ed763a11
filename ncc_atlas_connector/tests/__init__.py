from . import test_atlas_term
from . import test_registration
from . import test_registration_access
from . import test_assessment
from . import test_assessment_tour
from . import test_registration_ui
from . import test_atlas_sync
