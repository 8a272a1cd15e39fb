FROM node:20-alpine
RUN apk add --no-cache git=2.43.0-r0 python3 make g++
WORKDIR /app
COPY .yarn ./.yarn
COPY .yarnrc.yml package.json yarn.lock ./
RUN yarn install --immutable
COPY . .
RUN yarn workspaces focus --production && yarn cache clean --all
RUN yarn global add serve
CMD ["yarn", "start"]
