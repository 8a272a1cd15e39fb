require_relative "app"
run NotesApp
