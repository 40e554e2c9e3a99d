"""Sending to Dex: batches paced to Dex's limit, retried only when surely safe, never created twice.

- `batches`: `send_contacts`, the batcher (at most 100 contacts a request, requests in flight, lookups).
- `outcomes`: what a batch ends as (`Created`, `Failed`, `Unknown`), the hooks a journal hangs on, the policy.
- `retry`: `patient_read`, the one paced, retried path of every read (account check, lookups, labels, undo).
- `pacing`, `pacing_fit`: find and follow Dex's unpublished rate limit.
- `work`: the units of work of a send (a batch to send, one waiting to be looked up) and its counters.
- `lookup`: settle a create whose answer was lost by looking the contacts up.
- `stopping`: `Stop` (no new request; counts those in flight), and the wait that makes a second Ctrl-C stop at once.
- `ids`: the id each contact is sent with (derived from the account and the person), and what Dex does with it.
- `labels`: the person's labels as Dex tags or groups, and the run's own tag.
"""
