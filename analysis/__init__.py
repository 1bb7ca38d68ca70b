"""Pure analysis code: no Flask and no database.

Agreement statistics, aggregation, charts, NLP, pseudonymisation, REFI-QDA and transcript
formats live here as the areas that need them arrive, each tested on plain data.
"""
