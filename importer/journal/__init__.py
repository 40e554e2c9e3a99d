"""The run journal: a SQLite log of every create, written before each request goes out.

- `store`: `Journal`, what earlier runs did (runs, batches in flight, contacts created).
- `file`: opening, locking and checking the journal's file; archiving it for ``--fresh``.
- `resume`: settling the batches an earlier run left in flight, before anything new is sent.
- `earlier`: what the runs of every journal of the account created, and which record of this run has each.
- `runs`: where the default journal of an account and input lives, and the runs every journal holds.
- `account_lock`: one lock per Dex account while an import or undo runs, saying who holds it.
- `undo`: delete the contacts one run created, keeping the ones edited since.
"""
