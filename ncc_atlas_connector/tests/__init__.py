from . import test_atlas_term
