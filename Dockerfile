# The image docs/deploy/compose.yaml builds: the exact versions of requirements.lock (hashes
# checked), then this checkout installed as a package (the shipped prompts/ travel inside it as
# package data). No setting is baked in: every one, secrets included, comes from the environment.
FROM python:3.11-slim
WORKDIR /opt/debate-bot
COPY requirements.lock ./
RUN pip install --no-cache-dir --disable-pip-version-check --require-hashes -r requirements.lock
COPY pyproject.toml setup.py README.md ./
COPY bot bot
COPY cogs cogs
COPY prompts prompts
RUN pip install --no-cache-dir --disable-pip-version-check --no-deps . \
    && rm -rf bot cogs prompts build \
    && useradd --system --home /var/lib/debate-bot --create-home debate-bot
USER debate-bot
WORKDIR /var/lib/debate-bot
CMD ["debate-bot"]
