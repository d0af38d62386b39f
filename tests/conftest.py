"""Suite-wide settings.

Under CI (``CI`` set, as ``.ci/run`` is run) hypothesis draws the same examples on
every run, so a submission's result does not depend on the draw; locally each run
draws anew and keeps what it found in ``.hypothesis/``. The long random runs are
``scripts/fuzz_long.py`` and ``scripts/load_long.py``.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
