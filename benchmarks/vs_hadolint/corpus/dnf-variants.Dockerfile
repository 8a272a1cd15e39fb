FROM fedora:40
RUN dnf -y install --setopt=tsflags=nodocs httpd-2.4.59 mod_ssl && dnf clean all
RUN dnf install --assumeyes python3-devel && dnf clean all
RUN dnf -y update && dnf clean all
RUN dnf -y groupinstall "Development Tools"
RUN dnf -y module install nodejs:20/common && dnf clean all
RUN --mount=type=cache,target=/var/cache/dnf dnf install -y git
CMD ["httpd", "-DFOREGROUND"]
