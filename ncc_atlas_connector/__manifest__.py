{
    "name": "NCC Atlas Connector",
    "summary": "Register, assess and publish EU Cybersecurity Competence Community members, "
    "kept in sync with the ECCC Atlas",
    "version": "19.0.1.0.0",
    "category": "Services",
    "website": "https://github.com/ncc-atlas/ncc_atlas_connector",
    "author": "NCC Atlas Connector contributors",
    "license": "LGPL-3",
    "application": True,
    "depends": ["contacts", "mail"],
    "external_dependencies": {"python": ["pydantic", "requests"]},
    "data": [
        "security/ncc_security.xml",
        "security/ir.model.access.csv",
        "data/ncc.atlas.term.csv",
        "views/ncc_atlas_term_views.xml",
        "views/res_partner_registration_views.xml",
        "views/ncc_menus.xml",
    ],
    "demo": [],
    "installable": True,
}
