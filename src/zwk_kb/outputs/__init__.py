"""What a user takes away: display data for pages (``present``), exports, feeds, charts,
QR codes, talks (``deck``) and the PowerPoint and PDF files made from them.

Rule of this folder: it reads search results and cards, never an index; no Flask.
"""
