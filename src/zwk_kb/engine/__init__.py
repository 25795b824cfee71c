"""The search engine's fast paths: side files written next to Whoosh's segments, the array
scorer that ranks from them.

Rule of this folder: it is the only place that uses Whoosh names outside Whoosh's public API;
``README.md`` lists each one, why, and the test that guards it.
"""
