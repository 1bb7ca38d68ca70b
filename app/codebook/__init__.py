"""The codebook: codes, the categories that group them, their definitions and keywords.

The lowest of the coding packages: the workspace codes passages with these codes, rounds
measure agreement on them, and the REFI-QDA exchange carries them to and from other tools.
"""
