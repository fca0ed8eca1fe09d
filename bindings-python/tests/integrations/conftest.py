"""The integration suites: each framework in a real app, through its own test client."""

from __future__ import annotations

import sys
from pathlib import Path

# demo.py and the Django project are modules of this directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))
