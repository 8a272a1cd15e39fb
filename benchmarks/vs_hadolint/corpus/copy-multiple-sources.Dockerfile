FROM nginx:1.25
COPY nginx.conf mime.types /etc/nginx
COPY site/*.html /usr/share/nginx/html
COPY a.txt b.txt /srv/
COPY ["one.conf", "two.conf", "/etc/nginx/conf.d"]
ARG DEST=/opt/
COPY x y $DEST
COPY --from=nginx:1.24 /etc/nginx/nginx.conf /etc/nginx/fallback.conf
COPY relative.txt conf/
