"""The integration suites: each framework in a real app, through its own test client
(tests/integrations/django_project is a real Django project)."""

from __future__ import annotations

import importlib
import os

import pytest


def need(*modules: str) -> None:
    """Skips the calling test module when a framework is not installed, unless
    ``ROLECALL_INTEGRATIONS_REQUIRED=1`` (scripts/test-all.sh sets it): then a missing
    framework fails the run instead of hiding a suite."""
    for module in modules:
        if os.environ.get("ROLECALL_INTEGRATIONS_REQUIRED") == "1":
            importlib.import_module(module)
        else:
            pytest.importorskip(module)
