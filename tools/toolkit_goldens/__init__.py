"""Golden values from the original evaluation toolkits, on fixtures in the real on-disk formats (issue 25).

``fixtures`` builds the fixture trees (deterministic, from the real annotation files under
``tests/data/toolkit_fixtures/``); ``regenerate`` runs each original toolkit on them and writes
``tests/data/goldens/*.json``.  No original code lives here: the toolkits are read from their checkouts.
"""
