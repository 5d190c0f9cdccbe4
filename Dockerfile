FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/rectify.db \
    SECRET_KEY_FILE=/secrets/secret.key

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 10001 rectify \
    && mkdir -p /data /secrets \
    && chown rectify:rectify /data /secrets \
    && chmod 700 /data /secrets
USER rectify

# The database (and its WAL) lives on a volume so it outlives the container; the key file
# (when SECRET_KEY is not set) on another, so that a copy of /data does not carry the key.
VOLUME ["/data", "/secrets"]
CMD ["python", "bot.py"]
