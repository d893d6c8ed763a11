from . import privacy_export
from . import portal
from . import portal_registration
