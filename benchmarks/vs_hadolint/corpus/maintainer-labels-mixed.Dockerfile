FROM nginx:stable
MAINTAINER "Web Team" <web@example.com>
LABEL description="Static site for the docs portal"
LABEL version="2.3.1" vendor="Example Corp"
ENV NGINX_ENTRYPOINT_QUIET_LOGS=1
COPY public/ /usr/share/nginx/html/
COPY nginx.conf /etc/nginx/nginx.conf
RUN nginx -t
EXPOSE 80/tcp 443/TCP
STOPSIGNAL SIGQUIT
