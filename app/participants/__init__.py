"""The placement register: participants, placements, eligibility, offers and assignment."""
