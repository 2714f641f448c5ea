# Redis for the container test: no image registry is reachable where the tests run, so this stands in for the
# redis image of docker-compose.yml with Debian's own redis-server on the locally made Debian base. The compose
# file's command, password and health check are used unchanged.
FROM debian:bookworm-slim-hotdata
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server redis-tools \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
CMD ["redis-server"]
