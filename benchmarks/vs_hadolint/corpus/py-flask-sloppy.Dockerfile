FROM python:latest
MAINTAINER Dave <dave@example.org>

RUN apt-get update
RUN apt-get install python3-dev gcc curl
RUN pip install flask gunicorn requests==2.31.0

ADD . /code
RUN cd /code && pip install -r requirements.txt
WORKDIR /code

EXPOSE 5000
CMD gunicorn -w 4 -b 0.0.0.0:5000 wsgi:app
