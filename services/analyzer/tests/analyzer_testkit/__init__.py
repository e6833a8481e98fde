"""Test-only code for the analyzer: hostile stand-ins for the analysis and a way to run the service with one.

Importable because the analyzer tests' conftest puts this folder's parent on sys.path (pytest runs with
--import-mode=importlib), and so are the stand-ins in the decode workers, which unpickle them by name.
"""
