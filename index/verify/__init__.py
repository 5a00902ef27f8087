"""Verify stage: is a claim or a quote supported, contradicted, or not in the sources?

claims.py     the verdict on a claim, from the passages that speak to it
locate.py     where a quotation stands in the sources (exact or near-exact)
conflicts.py  sources that disagree on a number
It reads the engine through the `Sources` protocol (locate.py), never by importing it.
"""
