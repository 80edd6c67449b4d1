"""The Python versions the platform runs on, checked when the app or the server starts.

CPython 3.11 runs the cyclic garbage collector from inside object allocation, at points where
the interpreter's state can be inconsistent; under concurrent requests this freed objects that
were still in use and the server process died with SIGSEGV (docs/performance.md, "The worker
SIGSEGV"). CPython 3.12 runs the collector only between bytecodes (gh-97922), and the same load
ran without a fault. So 3.12 is the oldest version we start on.
"""

import sys

#: The oldest CPython the platform starts on.
MINIMUM_PYTHON = (3, 12)


def check_python(version: tuple = tuple(sys.version_info)) -> None:
    """Refuse to start on a Python older than :data:`MINIMUM_PYTHON`, saying why."""
    if tuple(version[:2]) < MINIMUM_PYTHON:
        found = ".".join(str(part) for part in version[:3])
        needed = ".".join(str(part) for part in MINIMUM_PYTHON)
        raise RuntimeError(
            f"Python {needed} or newer is required; this is {found}. CPython 3.11 corrupts memory "
            "under concurrent requests (docs/performance.md, 'The worker SIGSEGV'). "
            "Rebuild the environment with `make install` (scripts/find-python picks the interpreter).")
