FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends procps vim-tiny && rm -rf /var/lib/apt/lists/*
RUN service ssh start
RUN shutdown -h now || true
RUN free -m && top -bn1 | head -5
RUN ps -ef
RUN mount /dev/sdb1 /mnt || true
RUN vim -c 'wq' /etc/motd
RUN kill -9 1 || true
RUN ifconfig eth0 || true
CMD ["bash"]
