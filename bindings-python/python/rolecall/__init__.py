"""rolecall: authorization and user directory for call-center products.

The rules live in the Rust core; this package converts Python values and delegates.
"""

from rolecall._rolecall import __version__, permission_names, version

__all__ = ["__version__", "permission_names", "version"]
