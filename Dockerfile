FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 WALL_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY wallserver ./wallserver
COPY moderation ./moderation
COPY frontend ./frontend
RUN pip install --no-cache-dir '.[postgres,redis]' \
    && useradd --system --home /data wall && mkdir -p /data && chown wall /data
USER wall
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["wallserver", "serve", "--host", "0.0.0.0", "--port", "8000"]
