"""Every file the app hands out: tables as CSV or XLSX, and the mission calendar.

- :mod:`.writers`: the registry of table formats (``WRITERS``), each turning sheets into
  bytes and naming its mimetype and file extension. A new format is one writer here.
- :mod:`.spreadsheet_cells`: the one escaping rule every CSV and XLSX cell goes through.
- :mod:`.missions`: a mission's briefing tables (shortlist, coverage, contacts).
- :mod:`.calendar`: a mission's dates as iCalendar.
- :mod:`.dataset`: lists and whole datasets in the importer's layout.
- :mod:`.templates`: empty import files with their instructions.
"""
