FROM node:20-alpine AS base
WORKDIR /app

FROM base AS dev
COPY package.json ./
RUN npm install --no-audit

FROM node:20-alpine AS other
COPY tsconfig.json ./
COPY src src/

FROM other
COPY dist/ dist
ADD extra.txt ./
