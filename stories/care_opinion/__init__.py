"""Care Opinion API v2 connector: `manage.py sync_care_opinion` and the hourly beat task bring each ICS's
published Care Opinion stories in as stories (see `sync.py`; the HTTP side and its faults in `client.py`)."""
