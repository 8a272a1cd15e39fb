FROM wordpress:6.5-php8.2-apache

RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends less default-mysql-client; \
    rm -rf /var/lib/apt/lists/*

RUN curl -o /usr/local/bin/wp -fSL https://raw.githubusercontent.com/wp-cli/builds/gh-pages/phar/wp-cli.phar \
    && chmod +x /usr/local/bin/wp

COPY --chown=www-data:www-data themes/ /usr/src/wordpress/wp-content/themes/
COPY php.ini /usr/local/etc/php/conf.d/uploads.ini
