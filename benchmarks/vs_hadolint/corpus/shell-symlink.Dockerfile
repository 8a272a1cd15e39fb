FROM ubuntu:22.04
RUN ln -sf /bin/bash /bin/sh
RUN ln -s /usr/bin/python3 /usr/bin/python
RUN rm /bin/sh && ln -s /bin/bash /bin/sh
RUN apt-get update && apt-get install -y --no-install-recommends shellcheck && rm -rf /var/lib/apt/lists/*
CMD ["bash"]
