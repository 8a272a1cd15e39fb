FROM eclipse-temurin:21-jdk-alpine AS jre
RUN $JAVA_HOME/bin/jlink \
      --add-modules java.base,java.logging,java.sql,java.naming,jdk.unsupported \
      --strip-debug --no-man-pages --no-header-files --compress=2 \
      --output /javaruntime

FROM alpine:3.19
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH "${JAVA_HOME}/bin:${PATH}"
COPY --from=jre /javaruntime $JAVA_HOME
RUN addgroup -S app && adduser -S app -G app
COPY --chown=app:app build/app.jar /opt/app/app.jar
USER app
CMD ["java", "-jar", "/opt/app/app.jar"]
