FROM ruby:3.2-alpine
RUN apk add --no-cache build-base=0.5-r3 postgresql-dev
RUN gem install bundler:2.5.9 && gem install rake
RUN gem install nokogiri -v 1.16.4 -- --use-system-libraries
RUN gem install puma --version '~> 6.4'
WORKDIR /srv
COPY Gemfile* ./
RUN bundle config set --local without 'development test' && bundle install --jobs 4
COPY . .
CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
