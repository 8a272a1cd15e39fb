FROM jenkins/inbound-agent:3206.vb_15dcf73f6a_9-1-jdk17
USER root
RUN apt-get update && apt-get install -y --no-install-recommends docker.io=20.10.24+dfsg1-1+b3 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd -m -u 2000 ci && usermod -aG docker jenkins
USER jenkins
RUN mkdir -p /home/jenkins/.docker
USER root
