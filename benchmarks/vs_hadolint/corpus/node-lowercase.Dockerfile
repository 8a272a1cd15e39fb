from node:16.20.2-buster as build
workdir /usr/app
copy package.json .
run npm install --legacy-peer-deps
copy . .
run npm run build

from nginx:1.25-alpine
copy --from=build /usr/app/build /usr/share/nginx/html
expose 80
cmd ["nginx", "-g", "daemon off;"]
