"""Real-text evaluation: how the hub reads real patient stories and comments.

`bench/real_text.py` and `manage.py evaluate_stories --data FILE` print the same figures. Each part
(story sentiment, safety signals, redaction, speed) is a module here exposing
`evaluate(data: RealText) -> list[Figure]`; `report.run` calls them in order.
"""
