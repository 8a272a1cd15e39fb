FROM rockylinux:9.3
RUN dnf install -y --setopt=install_weak_deps=False \
        python3.11 \
        python3.11-pip \
        git \
    && dnf clean all
RUN dnf module enable -y nodejs:20 && dnf install -y nodejs-20.11.1 && dnf clean all
RUN python3.11 -m pip install --no-cache-dir ansible-core==2.16.6
WORKDIR /playbooks
COPY . .
ENTRYPOINT ["ansible-playbook"]
