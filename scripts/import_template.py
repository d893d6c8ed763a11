"""Writes the spreadsheet template of Community registrations offered by Odoo's import on the Registrations list:
ncc_atlas_connector/static/xls/ncc_registrations_import_template.xlsx (one example row; each column title is the
label of the registration field, and a note on each title says what the column takes).

    .venv/bin/python scripts/import_template.py
"""

from datetime import datetime
from pathlib import Path

import xlsxwriter

OUT = Path(__file__).resolve().parents[1] / "ncc_atlas_connector/static/xls/ncc_registrations_import_template.xlsx"
YES_NO = "Yes or No."
NAMES = "Names of the Atlas terms (Configuration > Atlas vocabularies), separated by commas."

# (column title, example value, note)
COLUMNS = [
    ("Name in English", "Example Cyber Labs S.A.", "The organisation's name in English (max 500 characters)."),
    ("Name in the national language", "Example Cyber Labs S.A.", "Max 400 characters."),
    ("Entity or department", "", "Only if a part of the organisation applies (max 400 characters)."),
    ("Registration number", "B765432", "National company register number; with the country, it must be unique."),
    ("Street", "2 avenue de l'Exemple", ""),
    ("Zip", "1855", ""),
    ("City", "Luxembourg", ""),
    ("Country", "Luxembourg", "An EU Member State, by its name."),
    ("Website", "https://www.example-cyber-labs.example.eu", "With http:// or https://."),
    ("General contact email", "info@example-cyber-labs.example.eu", ""),
    ("Phone", "+352 20 00 00 01", ""),
    ("Organisation type", "Industry (SME)", "One Atlas organisation type (Art. 8(2)), by its name."),
    ("Size class", "Small", "Micro, Small, Medium or Large (Commission Recommendation 2003/361/EC)."),
    ("Main seat", "Yes", YES_NO + " Is this address the headquarters?"),
    ("Main seat details", "", "Name and address of the headquarters, when the answer above is No."),
    ("Subsidiaries in other EU, EEA or EFTA states", "No", YES_NO),
    ("Subsidiaries details", "", "Name and country of each subsidiary, when the answer above is Yes."),
    ("Majority shares held outside the Member State", "No", YES_NO),
    ("Majority shares details", "", "Which organisations and where, when the answer above is Yes."),
    ("No exclusion situation", "Yes", YES_NO + " Art. 136 of the Financial Regulation 2018/1046."),
    ("Data sharing consent", "Yes", YES_NO + " The data may be shared with the ECCC and the other NCCs."),
    ("Data-protection notice accepted", "Yes", YES_NO),
    ("Member tasks accepted", "Yes", YES_NO + " Art. 9 of Regulation (EU) 2021/887."),
    ("Form completed", "Yes", YES_NO),
    ("Contact first name", "Marie", "The contact person: created as a contact of the organisation."),
    ("Contact family name", "Dupont", ""),
    ("Contact position", "Head of information security", ""),
    ("Contact email", "marie.dupont@example-cyber-labs.example.eu", ""),
    ("Contact direct phone", "+352 20 00 00 02", ""),
    ("Fields of activity", "Academia, research or innovation,Industrial or product development",
     NAMES + " At least one Art. 8(3) field of activity."),
    ("Description of the expertise", "Post-quantum key management and cryptographic audits for SMEs.",
     "Max 800 characters."),
    ("What the organisation seeks from the Community", "Partners for research projects.", "Max 800 characters."),
    ("How the organisation can contribute", "Training on the migration to post-quantum cryptography.",
     "Max 800 characters."),
    ("Knowledge domains", "Cryptology (Cryptography and Cryptanalysis),Post-quantum cryptography",
     NAMES + " A sub-domain by its name, or as 'Domain / Sub-domain'."),
    ("Sectors", "Energy,Financial", NAMES),
    ("Technologies", "Cloud, Edge and Virtualisation", NAMES),
    ("Use cases", "Critical Infrastructure Protection (CIP)", NAMES),
]


def main():
    OUT.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(OUT))
    workbook.set_properties({"title": "Community registrations", "created": datetime(2026, 1, 1)})
    sheet = workbook.add_worksheet("Registrations")
    bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF7", "text_wrap": True, "valign": "top"})
    for column, (title, example, note) in enumerate(COLUMNS):
        sheet.write_string(0, column, title, bold)
        sheet.write_string(1, column, example)
        if note:
            sheet.write_comment(0, column, note, {"x_scale": 2})
        sheet.set_column(column, column, max(14, min(40, len(title) + 2)))
    sheet.freeze_panes(1, 1)
    workbook.close()
    print(OUT)


if __name__ == "__main__":
    main()
