FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/rectify.db

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 10001 rectify \
    && mkdir -p /data \
    && chown rectify:rectify /data
USER rectify

# The database (and its WAL) lives on a volume so it outlives the container.
VOLUME ["/data"]
CMD ["python", "bot.py"]
