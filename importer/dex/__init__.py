"""Dex itself: the only code that knows Dex's URLs, its JSON answer shapes and its contact fields.

- `client`: `DexClient`, every call to Dex's public API, and the errors an answer can end in.
- `description`: a contact's description as it is sent, rich text (HTML paragraphs) or plain.
- `fields`: the fields of Dex's contact object by kind, the API's default address, and `parse_time` for the
  timestamps Dex writes.
"""
