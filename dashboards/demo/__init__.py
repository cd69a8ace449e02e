"""Demo and synthetic data for the dashboards, kept apart from the app's code: nothing in the app imports it.

- `dashboards.py`: the demo ICS's dashboards (`manage.py load_demo`);
- `synthetic.py` and `synthetic_text.py`: a seeded data set at scale for benchmarks and for trying the
  dashboards (`manage.py generate_synthetic`).
"""
