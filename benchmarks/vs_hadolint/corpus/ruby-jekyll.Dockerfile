FROM ruby:2.7
RUN gem install jekyll bundler
WORKDIR /site
COPY . .
RUN bundle install
EXPOSE 4000
CMD bundle exec jekyll serve --host 0.0.0.0
