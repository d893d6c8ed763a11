"""Packages the addon so that it installs as ``odoo.addons.ncc_atlas_connector``."""

import ast
from pathlib import Path

from setuptools import find_packages, setup

ADDON = "ncc_atlas_connector"
manifest = ast.literal_eval((Path(__file__).parent / ADDON / "__manifest__.py").read_text())

setup(
    name="odoo-addon-" + ADDON.replace("_", "-"),
    version=manifest["version"],
    description=manifest["summary"],
    license="LGPL-3",
    author=manifest["author"],
    python_requires=">=3.10",
    packages=[f"odoo.addons.{ADDON}"] + [f"odoo.addons.{ADDON}.{p}" for p in find_packages(ADDON)],
    package_dir={f"odoo.addons.{ADDON}": ADDON},
    include_package_data=True,
    package_data={f"odoo.addons.{ADDON}": ["*.xml", "*/*.xml", "*/*.csv", "*/*.sql", "static/**/*", "i18n/*"]},
    install_requires=["requests", "pydantic>=2"],
)
