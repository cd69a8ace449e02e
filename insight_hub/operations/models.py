from django.db import models


class Heartbeat(models.Model):
    """The last time something ran: `beat` is written by a task beat sends every minute and a worker runs,
    so a fresh one says both beat and a worker on the default queue are alive."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
