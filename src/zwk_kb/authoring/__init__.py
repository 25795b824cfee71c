"""Writing cards: the card file writer, the new-card template, the browser contribution form's
logic and ``zwk-kb init`` (a new toolkit repository).

Rule of this folder: pure functions over ``Card`` data and text; no Whoosh, no Flask.
"""
