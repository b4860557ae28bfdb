"""The Excel front door: LX_ cell functions, RunPython buttons, ready workbooks, setup/doctor.

Nothing is imported here on purpose: ``import labelxl.excel.convert`` must work where
xlwings is not installed, and ``labelxl.excel.udfs`` is what Excel imports for the cells.
"""
