"""REFI-QDA exchange: the codebook (.qdc) and a project (.qdpx) to and from NVivo, ATLAS.ti,
MAXQDA and QualCoder.

Its own package, above the codebook and the workspace: a project carries both the codes and
the codings, and the file formats, GUIDs and import reports are a concern of their own,
beside the rounds (neither knows the other).
"""
