FROM php:7.4-apache
RUN apt-get update && apt-get upgrade -y
RUN apt-get install -y libmcrypt-dev mariadb-client
RUN docker-php-ext-install mysqli pdo pdo_mysql
RUN a2enmod rewrite headers
RUN curl -sS https://getcomposer.org/installer | php -- --install-dir=/usr/local/bin --filename=composer
COPY ./www /var/www/html/
RUN chown -R www-data:www-data /var/www/html && chmod -R 755 /var/www/html
EXPOSE 80
