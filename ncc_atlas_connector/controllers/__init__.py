from . import privacy_export
from . import portal_registration
