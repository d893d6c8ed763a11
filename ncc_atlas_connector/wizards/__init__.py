from . import ncc_decision_wizard
