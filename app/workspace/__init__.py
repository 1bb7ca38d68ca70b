"""Coding a release: the workspace where passages are coded (with undo in its script), the
codings and who may make them, and the retrieval of coded passages across releases.

Above the codebook, whose codes it applies; below the rounds, which it knows only as the
context of a coding (a blind coding carries its round, and a release opens in one).
"""
