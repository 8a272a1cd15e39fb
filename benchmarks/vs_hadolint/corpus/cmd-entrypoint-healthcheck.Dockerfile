FROM redis:7.2-alpine
COPY redis.conf /usr/local/etc/redis/redis.conf
HEALTHCHECK --interval=10s CMD redis-cli ping
HEALTHCHECK --interval=5s CMD redis-cli -p 6380 ping
ENTRYPOINT ["docker-entrypoint.sh"]
CMD redis-server /usr/local/etc/redis/redis.conf
ENTRYPOINT ["/usr/local/bin/custom-entrypoint"]
CMD ["redis-server", "/usr/local/etc/redis/redis.conf"]

FROM redis:7.2-alpine AS replica
CMD ["redis-server", "--replicaof", "primary", "6379"]
