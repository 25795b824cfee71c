"""zwk-kb: the searchable Werkzeugkoffer of the Zukunftswerkstatt Kommunen.

Data flows one way: cards on disk -> validated ``Card`` objects (``cards``, ``toolkit``)
-> index documents (``analysis``, ``documents``, ``index``) -> search results (``query``,
``search``) -> views (``present``, ``web``, ``cli``). A module never imports from a later stage.
"""

__version__ = "0.2.0"
"""The one version number: the wheel's metadata, ``zwk-kb --version`` and ``/healthz`` read it;
CHANGELOG.md says per version whether the card format changed and whether an index is rebuilt."""
