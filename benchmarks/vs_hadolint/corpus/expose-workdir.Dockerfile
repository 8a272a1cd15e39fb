FROM haproxy:2.9
WORKDIR usr/local/etc/haproxy
COPY haproxy.cfg ./haproxy.cfg
EXPOSE 80 443 8404/tcp
EXPOSE 70000
EXPOSE 53/udp 9000-9010
EXPOSE $STATS_PORT
WORKDIR $HOME/logs
WORKDIR /var/lib/haproxy
