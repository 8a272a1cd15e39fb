FROM python:3.10-alpine3.19

RUN apk update && apk add gcc musl-dev postgresql-dev libffi-dev
RUN pip install --upgrade pip && pip install celery[redis]==5.3.6 psycopg2

WORKDIR /app
COPY . /app

RUN adduser -D celery
USER celery
CMD celery -A tasks worker --loglevel=INFO
