FROM gradle:8.7-jdk21 AS build
COPY --chown=gradle:gradle . /home/gradle/project
WORKDIR /home/gradle/project
RUN gradle bootJar --no-daemon

FROM amazoncorretto:21-alpine
RUN apk add --no-cache tzdata
COPY --from=build /home/gradle/project/build/libs/*.jar /app.jar
ENV TZ=Europe/Berlin
ENTRYPOINT java $JAVA_OPTS -jar /app.jar
