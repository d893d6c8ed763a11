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
        "data/ncc_assessment_stage_data.xml",
        "data/ncc_assessment_check_data.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_template_data.xml",
        "views/ncc_assessment_stage_views.xml",
        "views/ncc_assessment_check_views.xml",
        "views/ncc_stage_history_views.xml",
        "views/res_partner_assessment_views.xml",
        "wizards/ncc_decision_wizard_views.xml",
        "views/ncc_menus.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "ncc_atlas_connector/static/src/tours/**/*",
        ],
    },
    "installable": True,
}
