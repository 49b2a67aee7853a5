# The image deploy/compose.yaml builds: the bot from this checkout, installed as it is by
# `make run` (the shipped prompts/ travel with it). Settings come from the environment.
FROM python:3.11-slim
WORKDIR /opt/debate-bot
COPY pyproject.toml README.md ./
COPY bot bot
COPY cogs cogs
COPY prompts prompts
RUN pip install --no-cache-dir -e . && useradd --system --home /opt/debate-bot debate-bot
USER debate-bot
CMD ["debate-bot"]
