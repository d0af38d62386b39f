"""sysmon's benchmark: ``python3 dev.py bench`` (or ``.venv/bin/python bench/run.py``).

One module per section of the printed table; ``common`` holds what they share.
"""
