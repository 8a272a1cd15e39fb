from ubuntu:jammy
env TZ=Etc/UTC
run apt-get update && apt-get install -y tzdata locales \
 && locale-gen en_US.UTF-8 \
 && rm -rf /var/lib/apt/lists/*
ENV LANG en_US.UTF-8
workdir /opt/tool
copy tool.sh .
run chmod +x tool.sh
entrypoint ["./tool.sh"]
