"""The embedded FitCoach stack: real servers from PyPI wheels on free ports (see cli.py and servers.py)."""
