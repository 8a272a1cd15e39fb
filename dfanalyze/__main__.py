from dfanalyze.cli import run

run()
