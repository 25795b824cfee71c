"""Tools for the people who build zwk-kb: the benchmark, the corpus generator, the plain-Whoosh
baseline and the relevance evaluation.

Rule of this folder: the site never imports it; only ``cli`` does, inside the commands that use it.
"""
