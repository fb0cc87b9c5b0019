# wallserver in a container: the wheel is built in one stage, and the image that runs has only
# the installed wheel (no source tree beside it), the way `pip install wallserver` would.
# tests/deploy/test_container.py installs the same wheel in a fresh virtualenv and serves from it,
# and runs hadolint on this file.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY wallserver ./wallserver
COPY moderation ./moderation
COPY frontend ./frontend
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 WALL_DATA_DIR=/data
COPY --from=build /wheels /wheels
# The shell picks the one wheel there; [postgres,redis] adds the drivers for several instances.
RUN pip install --no-cache-dir "$(echo /wheels/wallserver-*.whl)[postgres,redis]" \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /data wall && mkdir -p /data && chown wall /data
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
# SIGTERM (docker stop): wall sockets are closed with 1012 so screens reconnect at once,
# requests get a few seconds to finish, then what is waiting is stored (docs/operations.md).
STOPSIGNAL SIGTERM
CMD ["wallserver", "serve", "--host", "0.0.0.0", "--port", "8000"]
