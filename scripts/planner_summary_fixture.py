#!/usr/bin/env python3
"""Writes tests/fixtures/planner-summary-{agrees,8x}.xlsx: a Deployment Planner
workbook with an "On-premises summary" sheet (its "Observed typical data churn
per day (GB)") and a "Compatible VMs" sheet of two VMs whose Peak Data Churn is
10 MB/s each. drsim's import takes 61.25 % of a peak as the mean: 1,058 GB a
day together. The first workbook says 1,000 GB (they agree), the second 100 GB
(over 8-fold apart: init warns). Standard library only."""
import zipfile

def cell(ref, value):
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

def sheet(rows):
    body = ''.join(
        f'<row r="{i}">' + ''.join(cell(f"{chr(65 + j)}{i}", v) for j, v in enumerate(r)) + '</row>'
        for i, r in enumerate(rows, 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{body}</sheetData></worksheet>')

def workbook(path, observed_gb):
    summary = sheet([["On-premises summary"], ["Total number of profiling days", 7],
                     ["Observed typical data churn per day (GB)", observed_gb]])
    vms = sheet([["VM Name", "Disk size (GB)", "Peak Data Churn (MB/s)", "Cores"],
                 ["app01", 500, 10, 4], ["app02", 500, 10, 4]])
    ns = 'http://schemas.openxmlformats.org'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Types xmlns="{ns}/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>')
        z.writestr("_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>')
        z.writestr("xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships">'
            '<sheets><sheet name="On-premises summary" sheetId="1" r:id="rId1"/>'
            '<sheet name="Compatible VMs" sheetId="2" r:id="rId2"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
            '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", summary)
        z.writestr("xl/worksheets/sheet2.xml", vms)

if __name__ == "__main__":
    workbook("tests/fixtures/planner-summary-agrees.xlsx", 1000)
    workbook("tests/fixtures/planner-summary-8x.xlsx", 100)
