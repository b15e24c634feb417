"""Streaming XLSX and CSV writers for the review ledger.

Both take the column definitions and an iterable of row tuples and write one
row at a time, so memory stays flat however many rows there are.

Spreadsheet formula injection (OWASP "CSV Injection", CWE-1236): a text cell
that begins with =, +, -, @, a tab or a carriage return could run as a
formula. The CSV writer prefixes such text with an apostrophe; the XLSX
writer stores every text cell with write_string, which never makes a
formula. Numbers and dates are written as such, so a negative number stays a
number.
"""

import csv
from datetime import date, datetime

import xlsxwriter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 500

# XlsxWriter 3.3.1 options. constant_memory writes each row to a temporary
# file as soon as the next row starts, and stores strings inline instead of
# in a shared table held in memory. The strings_to_* options default to True
# and would turn text that looks like a formula, number or URL into one.
XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "default_format_properties": {"font_name": "宋体", "font_size": 11},
}


def neutralise(text):
    """Return `text` with an apostrophe in front when a spreadsheet could read it as a formula."""
    if text and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _report(on_progress, count):
    if on_progress is not None and count % PROGRESS_EVERY == 0:
        on_progress(count)


def write_xlsx(path, columns, rows, *, sheet_name="台帐", on_progress=None):
    """Write a header row and `rows` to the .xlsx file at `path`; return the number of data rows.

    `on_progress(count)` is called every PROGRESS_EVERY rows.
    """
    workbook = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    try:
        sheet = workbook.add_worksheet(sheet_name)
        header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "border": 1})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width)
        sheet.freeze_panes(1, 2)
        sheet.autofilter(0, 0, 0, len(columns) - 1)
        for index, column in enumerate(columns):
            sheet.write_string(0, index, str(column.header), header)

        types = [column.type for column in columns]
        count = 0
        for count, values in enumerate(rows, start=1):
            for index, value in enumerate(values):
                if value is None or value == "":
                    continue
                column_type = types[index]
                if column_type == "int":
                    sheet.write_number(count, index, value)
                elif column_type == "datetime":
                    sheet.write_datetime(count, index, value.replace(tzinfo=None), datetime_format)
                elif column_type == "date":
                    sheet.write_datetime(count, index, value, date_format)
                else:
                    sheet.write_string(count, index, str(value))
            _report(on_progress, count)
    finally:
        workbook.close()
    return count


def _csv_text(value, column_type):
    if value is None:
        return ""
    if column_type == "int":
        return str(value)
    if column_type == "datetime":
        return value.strftime("%Y-%m-%d %H:%M")
    if column_type == "date" and isinstance(value, date | datetime):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(path, columns, rows, *, on_progress=None):
    """Write a header row and `rows` to the CSV file at `path` in UTF-8 with a BOM; return the number of data rows.

    Excel reads a CSV without a BOM in the system's legacy code page, which
    garbles Chinese. `on_progress(count)` is called every PROGRESS_EVERY rows.
    """
    types = [column.type for column in columns]
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralise(str(column.header)) for column in columns])
        for count, values in enumerate(rows, start=1):
            writer.writerow([_csv_text(value, types[index]) for index, value in enumerate(values)])
            _report(on_progress, count)
    return count


WRITERS = {"xlsx": write_xlsx, "csv": write_csv}
