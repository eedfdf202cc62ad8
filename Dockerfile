# evidence-checker: the HTTP API (or the CLI) with the PP-OCR models inside the image, offline.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ORT_DISABLE_TELEMETRY=1 \
    EVIDENCE_DATA_DIR=/data

# OpenCV's headless wheel still needs libGL-free basics only; libgomp for ONNX Runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY models ./models
COPY extractors ./extractors
COPY evaluation ./evaluation
COPY service ./service
RUN pip install --no-cache-dir .

RUN useradd --create-home checker && mkdir -p /data && chown checker /data
USER checker
VOLUME ["/data"]
EXPOSE 8000

# `docker run IMAGE evidence-check check /dossier` for the CLI; `evidence-check worker` with
# EVIDENCE_REDIS_URL and DATABASE_URL set for a worker on another machine
CMD ["evidence-check", "serve", "--host", "0.0.0.0", "--port", "8000"]
