FROM node:20-slim
RUN npm install
RUN npm install express
RUN npm install --save-dev jest@29.7.0 eslint
RUN npm i -g npm@10.5.2
RUN npm install git+https://github.com/example/left-pad.git#v1.3.0
RUN npm install ./local-package
RUN npm ci --ignore-scripts
RUN npm install @types/node@^20 lodash@latest
RUN yarn add react@18.2.0 react-dom
RUN yarn install
CMD ["npm", "start"]
