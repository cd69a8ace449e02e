import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
application = get_wsgi_application()

# With DEBUG off and no collected static files every page would be a 500: refuse to start, naming the command.
from insight_hub.startup import refuse_to_serve_without_static_files  # noqa: E402

refuse_to_serve_without_static_files()
