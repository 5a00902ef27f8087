# The bot, with its index built at image build time. Run: docker run -e DISCORD_TOKEN=... quotebot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu \
    HF_HUB_OFFLINE=1

RUN useradd --create-home --uid 10001 bot
WORKDIR /app

COPY pyproject.toml README.md ./
COPY scripts ./scripts
COPY index ./index
COPY bot ./bot
COPY corpus ./corpus

# Same install script as CI; then build the index so the first question is fast.
RUN bash scripts/install.sh && python -m index build && chown -R bot:bot /app

USER 10001
HEALTHCHECK --interval=60s --timeout=30s --start-period=120s --retries=3 \
  CMD ["python", "-m", "index", "check"]
CMD ["python", "-m", "bot"]
