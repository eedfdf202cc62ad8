"""Pure evaluation: from what was read to what it means. No I/O beyond this package's own data.

Dossier analysis, the checklist and its condition kinds, and the risk score live here, apart from
the code with side effects (``service``); they import ``models`` and ``extractors`` only.
"""
