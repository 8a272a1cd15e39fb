FROM centos:7.9.2009
RUN yum install -y \
        gcc-4.8.5 \
        make-3.82 \
        openssl-devel-1.0.2k \
    && yum clean all \
    && rm -rf /var/cache/yum
RUN useradd -l -m builder
USER builder
WORKDIR /home/builder
CMD ["/bin/bash"]
