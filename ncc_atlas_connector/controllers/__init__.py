from . import privacy_export
