from . import test_atlas_term
from . import test_registration
