"""Files in, one long table out: read, parse, map, convert, resample, validate, report quality, clean, export.

``io`` reads CSV, Excel and Parquet within ``limits`` (``ReadLimits``: size, rows,
columns, cells, series, checked before the work that would exceed them; ``excel``
streams one sheet of a workbook after checking its zip parts); ``parsing`` turns text cells
into dates and numbers; ``mapping`` detects which column plays which role and
the table's shape; ``convert`` turns panels, order lines or wide tables into
the contract table (``unique_id, ds, y`` plus drivers, see :mod:`forecasting.schema`);
``frequency`` infers and resamples periods; ``validation`` and ``quality``
check the table and report findings (``issues``); ``cleaning`` repairs it and
logs every change; ``events`` knows the shopping calendar; ``dataset`` ties
these together (``load_dataset``, ``prepare``); ``export`` writes results back
in the user's own id columns, through the formula guard of ``formulas`` (no cell a
spreadsheet would run). This floor may import only ``schema`` and
``errors``: everything above trusts the table it produces.
"""
