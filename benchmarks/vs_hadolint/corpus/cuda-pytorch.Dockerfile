FROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends \
        python3.10 python3-pip python3.10-venv git-lfs \
    && rm -rf /var/lib/apt/lists/*

RUN python3 -m pip install --no-cache-dir torch==2.2.2 torchvision==0.17.2 --index-url https://download.pytorch.org/whl/cu121
RUN python3 -m pip install transformers accelerate
RUN pip3 install --no-cache-dir -e git+https://github.com/example/trainer.git@v0.3.1#egg=trainer

WORKDIR /workspace
COPY train.py .
CMD ["python3", "train.py"]
