FROM continuumio/miniconda3:24.1.2-0

LABEL org.opencontainers.image.title="feature-pipeline"

COPY environment.yml /tmp/environment.yml
RUN conda env create -f /tmp/environment.yml && conda clean -afy

SHELL ["conda", "run", "-n", "features", "/bin/bash", "-c"]
RUN pip install --no-cache-dir mlflow==2.12.1 && python -c "import sklearn; print(sklearn.__version__)"

RUN wget https://example.com/models/encoder.onnx -O /opt/encoder.onnx

WORKDIR /workspace
COPY pipeline/ pipeline/
ENTRYPOINT ["conda", "run", "--no-capture-output", "-n", "features", "python", "-m", "pipeline"]
