"""Exceptions of zwk-kb. Each carries a message a user can read (German)."""

from __future__ import annotations


class ZwkKbError(Exception):
    """Base class: ``str(error)`` is shown to the user as it is."""


class ToolkitError(ZwkKbError):
    """The toolkit folder cannot be used at all (missing, not a folder, no vocabulary)."""


class IndexMissing(ZwkKbError):
    """No usable search index exists yet."""


class IndexBusy(ZwkKbError):
    """Another process holds the index writer lock."""


class BadSearchRequest(ZwkKbError):
    """A search request that cannot be answered (reported as 400)."""


class SearchTimeout(ZwkKbError):
    """A search ran past its time limit (the page asks for more precise words)."""
