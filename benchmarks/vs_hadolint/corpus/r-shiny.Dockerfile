FROM rocker/shiny:4.3.3
RUN apt-get update && apt-get install -y \
    libcurl4-gnutls-dev \
    libssl-dev \
    libxml2-dev
RUN R -e "install.packages(c('shinydashboard', 'DT', 'plotly'), repos='https://cloud.r-project.org/')"
COPY app/ /srv/shiny-server/dashboard/
RUN chown -R shiny:shiny /srv/shiny-server
EXPOSE 3838
USER shiny
CMD ["/usr/bin/shiny-server"]
