FROM node:20-alpine
WORKDIR /srv
COPY . .
RUN npm ci --omit=dev
EXPOSE 8080:3000
CMD ["node", "index.js"]
