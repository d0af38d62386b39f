"""pytest fixtures for simulating sysmon (registered through the ``pytest11`` entry point).

pyfakefs is imported lazily inside the fixtures, so a plain ``pip install sysmon``
never breaks anyone's pytest.
"""
