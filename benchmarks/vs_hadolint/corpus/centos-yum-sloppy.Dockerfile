FROM centos:7
RUN yum update -y
RUN yum install httpd php php-mysql
RUN yum -y install epel-release && yum -y install nginx
COPY index.php /var/www/html/
EXPOSE 80
CMD ["/usr/sbin/httpd", "-D", "FOREGROUND"]
