FROM tomcat:9.0-jdk11-temurin
MAINTAINER ops-team@example.com

RUN rm -rf /usr/local/tomcat/webapps/*
ADD target/shop.war /usr/local/tomcat/webapps/ROOT.war
ADD https://repo1.maven.org/maven2/org/postgresql/postgresql/42.7.3/postgresql-42.7.3.jar /usr/local/tomcat/lib/
COPY conf/server.xml conf/context.xml /usr/local/tomcat/conf/

ENV CATALINA_OPTS="-Xms512m -Xmx1024m"
EXPOSE 8080 8443
CMD ["catalina.sh", "run"]
