# Betacowork production image: python:3.11-slim, non-root, static files collected at build
# and served by whitenoise, gunicorn as the default command (docker-compose.yml also runs
# the Celery worker and beat from this image).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Runtime requirements only (exact pins); psycopg2-binary and Pillow ship wheels.
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN groupadd --system --gid 1000 betacowork \
 && useradd --system --uid 1000 --gid betacowork --home-dir /app --no-create-home betacowork

COPY --chown=betacowork:betacowork . .

# collectstatic needs importable production settings: a throwaway secret, never used at run
# time (the container gets the real one from the environment).
RUN DEBUG=0 CELERY_BROKER_URL=redis://build.invalid:6379/0 \
    SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/media /app/var/beat \
 && chown -R betacowork:betacowork /app/media /app/var /app/staticfiles

USER betacowork

EXPOSE 8000
# Worker model, bind, timeouts: betacowork/gunicorn.conf.py (WEB_CONCURRENCY, WEB_THREADS).
CMD ["gunicorn", "--config=betacowork/gunicorn.conf.py", "betacowork.wsgi:application"]
