FROM debian:bookworm-slim
ARG TERRAFORM_VERSION=1.8.2
ARG TFLINT_VERSION=0.50.3
RUN apt-get update && apt-get install -y --no-install-recommends curl unzip ca-certificates git \
    && rm -rf /var/lib/apt/lists/*
RUN curl -fsSLo /tmp/tf.zip https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_amd64.zip \
    && unzip /tmp/tf.zip -d /usr/local/bin \
    && rm /tmp/tf.zip
RUN curl -s https://raw.githubusercontent.com/terraform-linters/tflint/master/install_linux.sh | bash
RUN wget -q https://github.com/aquasecurity/tfsec/releases/download/v1.28.6/tfsec-linux-amd64 -O /usr/local/bin/tfsec
RUN pip install checkov || true
WORKDIR /workspace
ENTRYPOINT ["terraform"]
