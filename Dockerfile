# Jiceng web, Celery worker and beat share this image; docker-compose.yml picks the command.
#   docker build -t jiceng .
# Runs from its source tree (/srv/jiceng, an editable install): templates/ and migrations/ live beside core/.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/srv/jiceng/.venv \
    PATH=/srv/jiceng/.venv/bin:$PATH \
    JICENG_INSTANCE=/srv/jiceng/instance \
    JICENG_ENV=production \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

# postgresql-client: pg_dump / pg_restore for `jiceng backup` and `jiceng restore` (15, as the server in
# docker-compose.yml: pg_dump refuses a newer server); tini reaps gunicorn's and Celery's children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system jiceng \
 && useradd --system --gid jiceng --home-dir /srv/jiceng --shell /usr/sbin/nologin jiceng

WORKDIR /srv/jiceng

# dependencies first, so a code change does not reinstall them
COPY pyproject.toml ./
RUN python -m venv "$VIRTUAL_ENV" \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
    > /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

COPY . .
RUN pip install --no-deps -e . \
 && pybabel compile -d core/translations \
 && mkdir -p instance \
 && chown -R jiceng:jiceng instance

USER jiceng
EXPOSE 8000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "-b", "0.0.0.0:8000", "core:create_app()"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
