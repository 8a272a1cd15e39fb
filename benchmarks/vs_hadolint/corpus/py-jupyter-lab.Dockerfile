FROM jupyter/scipy-notebook:2024-04-01

USER root
RUN apt-get update && \
    apt-get install -y --no-install-recommends graphviz ffmpeg && \
    apt-get clean && rm -rf /var/lib/apt/lists/*

USER ${NB_UID}
RUN pip install --no-cache-dir \
    'jupyterlab-git==0.50.0' \
    'plotly>=5.20' \
    seaborn

RUN mamba install --yes 'xarray' 'netcdf4' && \
    mamba clean --all -f -y

WORKDIR "${HOME}/work"
COPY --chown=${NB_UID}:${NB_GID} notebooks/ ./notebooks/
