FROM ubuntu:22.04

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y \
    python3 \
    python3-pip \
    python3-venv \
    libmysqlclient-dev \
    nginx \
    supervisor

RUN pip3 install django==4.2.11 mysqlclient uwsgi

RUN mkdir -p /var/www/site
WORKDIR /var/www/site
COPY . .
RUN python3 manage.py collectstatic --noinput

COPY deploy/nginx.conf /etc/nginx/sites-available/default
COPY deploy/supervisord.conf /etc/supervisor/conf.d/site.conf

EXPOSE 80
CMD ["/usr/bin/supervisord", "-n"]
