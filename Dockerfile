FROM python:3.12-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KNOWLEDGE_DIR=/app/knowledge
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir -e .
COPY knowledge ./knowledge
COPY migrations ./migrations
RUN useradd --create-home careerbot
USER careerbot
EXPOSE 9108
CMD ["careerbot", "run", "--discord"]
