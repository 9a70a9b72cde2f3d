"""The workshop's rules as plain functions over the API models: no Textual, no I/O, no clock.

Dialogs and screens ask these modules what to propose, in what order, and what to refuse; the widgets only
show the answers. Each module is one subject, unit-tested without a UI (issue 19, "rules out of the widgets"):

- ``allocation``: what to propose for a line and from which stock (FIFO), what stays short, expired stock.

Scan matching (which line a scanned item fits) and the serial-number grammar belong here too, as their own
modules (``rules/scan.py``, ``rules/serials.py``), taking what they need as arguments like ``allocation`` does:
"today" and server settings are passed in, never read here.
"""
