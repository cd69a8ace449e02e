# The hub's image: web (gunicorn), Celery worker and Celery beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# curl for health checks; Pango and fonts for WeasyPrint's PDF board reports; libpq for pg_dump/restore.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-liberation \
       postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY insight_hub ./insight_hub
COPY feedback ./feedback
COPY stories ./stories
COPY charters ./charters
COPY dashboards ./dashboards
RUN pip install .
COPY manage.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs settings that load; the real key comes from the environment at run time.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-real-secret-key-000000000 \
    STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput

# The hub user owns the collected files so that the web service's start-up collectstatic can refresh them.
RUN useradd --system --uid 10001 --home /app hub && mkdir -p /app/media && chown -R hub /app/media /app/staticfiles
USER hub
ENV STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/app/media
EXPOSE 8000
# gunicorn kills a request stuck longer than --timeout (a board report is a Celery task, never a request).
CMD ["gunicorn", "insight_hub.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "60", \
     "--graceful-timeout", "30", "--access-logfile", "-"]
