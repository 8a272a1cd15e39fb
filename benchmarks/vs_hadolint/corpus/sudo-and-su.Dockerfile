FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends sudo && rm -rf /var/lib/apt/lists/*
RUN useradd -m dev && echo "dev ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/dev
USER dev
RUN sudo mkdir -p /opt/tools && sudo chown dev /opt/tools
RUN su -c "touch /opt/tools/.keep" dev
WORKDIR /home/dev
CMD ["bash"]
