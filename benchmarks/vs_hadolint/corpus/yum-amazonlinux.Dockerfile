FROM amazonlinux:2023
RUN yum install -y shadow-utils tar gzip && yum clean all && rm -rf /var/cache/yum
RUN yum -y install java-17-amazon-corretto-headless
RUN yum install -y https://s3.amazonaws.com/ec2-downloads-windows/SSMAgent/latest/linux_amd64/amazon-ssm-agent.rpm && yum clean all
RUN groupadd -r app -g 1500 && useradd -r -u 1500 -g app app
USER 1500
ENTRYPOINT ["java", "-jar", "/opt/app.jar"]
