FROM registry.access.redhat.com/ubi9/ubi-minimal:9.3
RUN microdnf install -y java-17-openjdk-headless-17.0.10.0.7 shadow-utils && microdnf clean all
RUN useradd -u 1001 -r -g 0 -s /sbin/nologin quarkus
WORKDIR /work/
COPY --chown=1001:root target/*-runner.jar /work/application.jar
USER 1001
EXPOSE 8080
CMD ["java", "-jar", "/work/application.jar"]
