FROM ruby:3.3-slim
RUN gem install bundler
RUN gem install rails -v 7.1.3
RUN gem install rubocop:1.63.0 rubocop-rails
RUN gem install --no-document pg --version "1.5.6"
RUN gem update --system 3.5.9
RUN bundle install
WORKDIR /app
CMD ["rails", "server", "-b", "0.0.0.0"]
