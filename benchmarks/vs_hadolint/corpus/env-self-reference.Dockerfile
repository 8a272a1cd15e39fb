FROM openjdk:11-jre-slim
ENV JAVA_HOME=/usr/local/openjdk-11 PATH=$JAVA_HOME/bin:$PATH
ENV APP_HOME=/opt/app \
    APP_LOG=${APP_HOME}/logs
ENV PATH=/opt/app/bin:$PATH
ENV CLASSPATH=$CLASSPATH:/opt/app/lib/*
ENV LOG_DIR=/var/log LOG_FILE=$LOG_DIR/app.log
COPY build/install/app $APP_HOME
CMD ["app"]
