FROM python:3.11-slim
WORKDIR /app
ONBUILD COPY requirements.txt /app/
ONBUILD RUN pip install -r requirements.txt
ONBUILD COPY . /app
ONBUILD ONBUILD RUN echo nested
ONBUILD FROM python:3.12
ONBUILD MAINTAINER someone
CMD ["python", "app.py"]
