FROM node:20 AS Build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM node:20 AS test
WORKDIR /app
COPY --from=Build /app .
RUN npm test

FROM node:20 AS test
RUN echo duplicate

FROM nginx:1.25 AS scratch
COPY --from=build /app/dist /usr/share/nginx/html
