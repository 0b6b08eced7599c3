# zgw-gateway container image.
#   docker build -t zgw-gateway .
#   docker run -p 8000:8000 -v zgw-data:/data zgw-gateway
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system gateway \
    && useradd --system --gid gateway --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin gateway \
    && mkdir -p /data \
    && chown gateway:gateway /data

WORKDIR /app

# Dependencies first, so code changes do not invalidate this layer.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml README.md ./
COPY app/ app/
COPY migrations/ migrations/
COPY templates_spec/ templates_spec/
RUN pip install --no-deps . \
    && rm -rf build *.egg-info

ENV DATABASE_URL=sqlite+aiosqlite:////data/zgw-gateway.db
VOLUME ["/data"]

USER gateway
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["zgw-gateway"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
