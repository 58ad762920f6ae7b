# sgwatch image: the API (`sgwatch serve`) and the pipeline (`sgwatch crawl`, `sgwatch analyze`) of docker-compose.yml.
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1 SGWATCH_DATA_DIR=/data
WORKDIR /app

# Upgrade pip first (an old pip skips lxml_html_clean and trafilatura then fails to import), then torch pinned
# and from the CPU wheel index: a bare `torch` from PyPI pulls the multi-GB CUDA build.
RUN python -m pip install --upgrade pip \
 && python -m pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# Editable install: agendas/ and index_mappings/ stay next to the packages, where core/config.py finds them.
COPY . .
RUN python -m pip install -e . \
 && useradd --create-home --uid 1000 sgwatch \
 && mkdir -p /data && chown sgwatch /data
USER sgwatch
VOLUME /data
EXPOSE 8000

CMD ["sgwatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
