"""Community storage-capacity market server, cleared with the ASSUME framework.

Licensed AGPL-3.0-or-later, like ASSUME, which it imports.
"""

__version__ = "0.1.0"
API_VERSION = 1
