FROM debian:buster
RUN apt update && apt install -y vim git
RUN apt-get update && apt-get dist-upgrade -y
RUN apt-get -y install openssh-server && mkdir /var/run/sshd
RUN echo 'root:root' | chpasswd
RUN sed -i 's/#PermitRootLogin.*/PermitRootLogin yes/' /etc/ssh/sshd_config
EXPOSE 22
CMD ["/usr/sbin/sshd", "-D"]
