"""kimitui: a terminal chat client for Moonshot's Kimi models.

The package root only names the version; it imports nothing heavy so that
``kimitui --version`` and ``kimitui -p`` start fast.
"""

__version__ = "0.1.0"
