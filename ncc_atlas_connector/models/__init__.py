from . import ncc_atlas_term
