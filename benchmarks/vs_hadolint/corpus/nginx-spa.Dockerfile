FROM node:20-alpine AS assets
WORKDIR /ui
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build -- --mode production

FROM nginx:1.25.4-alpine
COPY nginx/default.conf /etc/nginx/conf.d/default.conf
COPY --from=assets /ui/dist /usr/share/nginx/html
RUN chown -R nginx:nginx /usr/share/nginx/html && \
    touch /var/run/nginx.pid && chown nginx:nginx /var/run/nginx.pid
USER nginx
EXPOSE 8080
CMD ["nginx", "-g", "daemon off;"]
