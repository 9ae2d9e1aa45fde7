FROM python:3.12-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KNOWLEDGE_DIR=/app/knowledge
# Exact versions from the lock file (regenerate: see the Makefile's `lock` target), then the
# package itself without resolving anything again.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --no-deps -e .
COPY knowledge ./knowledge
COPY migrations ./migrations
RUN useradd --create-home careerbot \
    && mkdir -p /var/cache/careerbot && chown careerbot /var/cache/careerbot
USER careerbot
EXPOSE 9108
CMD ["careerbot", "run", "--discord"]
