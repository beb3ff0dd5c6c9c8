#!/usr/bin/env python3
"""Synthesise a Deployment Planner "Compatible VMs" sheet, saved as CSV.

The columns are those the Planner's report documents
(site-recovery-vmware-deployment-planner-analyze-report.md, "Compatible
virtual machines"), plus an `Application` column of the kind architects add
to split an estate into recovery plans (`drsim init --plan-by Application`).
The figures are SYNTHESISED (seeded, reproducible), not measured: churn is a
lognormal peak in Mbps (megabits per second, as the column's name says) with
a median of 2 Mbps and a cap at the Planner's 54 MB/s per VM; disks, cores,
memory and OS are drawn from ranges typical of a VMware estate.

usage: synth_planner.py VMS SEED [--infrastructure] [--xlsx FILE]  > file.csv

With --xlsx FILE the same rows are also written as a workbook whose sheet is
named "Compatible VMs", as the Planner's report names it (a minimal Office
Open XML file written with the standard library, inline strings).
"""

import csv
import io
import random
import sys
import zipfile
from xml.sax.saxutils import escape


def main() -> None:
    argv = sys.argv[1:]
    xlsx = None
    if "--xlsx" in argv:
        at = argv.index("--xlsx")
        xlsx = argv[at + 1]
        del argv[at:at + 2]
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__)
    vms, seed = int(args[0]), int(args[1])
    infrastructure = "--infrastructure" in sys.argv
    rng = random.Random(seed)
    rows = []
    rows.append([
        "VM Name", "VM Compatibility", "Storage Type",
        "Peak R/W IOPS (with Growth Factor)",
        "Peak Data Churn in Mbps (with Growth Factor)",
        "Azure VM Size", "Number of Disks", "Disk size (GB)", "Cores",
        "Memory (MB)", "NICs", "Boot Type", "OS Type", "Application",
    ])
    apps = ["erp", "crm", "billing", "hr", "intranet", "mail", "reporting",
            "shop", "warehouse", "support"]
    tiers = ["web", "app", "db"]
    names = []
    if infrastructure:
        names += [("corp-dc01", "infrastructure"), ("corp-dc02", "infrastructure"),
                  ("dns01", "infrastructure")]
    k = 0
    while len(names) < vms:
        app = apps[k % len(apps)]
        tier = tiers[(k // len(apps)) % len(tiers)]
        names.append((f"{app}-{tier}{k // (len(apps) * len(tiers)) + 1:02d}", app))
        k += 1
    sizes = [("Standard_D2s_v3", 2, 8192), ("Standard_D4s_v3", 4, 16384),
             ("Standard_D8s_v3", 8, 32768), ("Standard_E16s_v3", 16, 131072)]
    for name, app in names:
        size, cores, memory = rng.choice(sizes)
        disks = rng.randint(1, 4)
        disk_gb = disks * rng.choice([64, 128, 256, 512])
        churn_mbps = min(rng.lognormvariate(0.69, 0.9), 54 * 8)
        premium = churn_mbps > 40
        rows.append([
            name, "Yes", "Premium" if premium else "Standard",
            round(rng.lognormvariate(5.0, 0.7)), f"{churn_mbps:.2f}", size,
            disks, disk_gb, cores, memory, rng.randint(1, 2),
            "EFI" if rng.random() < 0.1 else "BIOS",
            "Windows" if rng.random() < 0.7 else "Linux", app,
        ])
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerows(rows)
    if xlsx:
        write_xlsx(xlsx, rows)


def write_xlsx(path: str, rows: list) -> None:
    """The rows as the sheet "Compatible VMs" of a minimal workbook."""
    def cell(ref: str, value) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    def column(i: int) -> str:
        name = ""
        i += 1
        while i:
            i, r = divmod(i - 1, 26)
            name = chr(65 + r) + name
        return name

    sheet = io.StringIO()
    sheet.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for r, row in enumerate(rows, start=1):
        sheet.write(f'<row r="{r}">')
        for c, value in enumerate(row):
            if isinstance(value, str) and r > 1:
                try:
                    value = float(value) if "." in value else int(value)
                except ValueError:
                    pass
            sheet.write(cell(f"{column(c)}{r}", value))
        sheet.write("</row>")
    sheet.write("</sheetData></worksheet>")
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '</Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Compatible VMs" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '</Relationships>',
        "xl/worksheets/sheet1.xml": sheet.getvalue(),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)


if __name__ == "__main__":
    main()
