"""The schema's migrations (Alembic); ``env.py`` runs them.

:data:`HEAD` names the newest, so that a process can see that its database is up to
date without loading Alembic (about 12 MB and a tenth of a second at every start);
``tests/storage/test_migrations.py`` checks that it is the newest migration here.
"""

HEAD = "0020"
