FROM node

RUN npm install -g pm2 typescript@5.4.5 @nestjs/cli
RUN apt-get update && apt-get install -y git curl wget
RUN curl -sL https://deb.nodesource.com/setup_20.x | bash -

ADD package.json /app/package.json
WORKDIR /app
RUN npm install
ADD . /app

RUN sudo chown -R node /app
EXPOSE 3000
CMD pm2-runtime start ecosystem.config.js
