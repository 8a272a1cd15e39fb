FROM opensuse/leap:15.5
RUN zypper refresh
RUN zypper dist-upgrade
RUN zypper install git-core python311 python311-pip
RUN zypper --non-interactive in gzip tar && zypper clean
CMD ["/bin/bash"]
