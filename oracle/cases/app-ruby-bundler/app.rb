# frozen_string_literal: true

require "json"
require "sinatra/base"

# A small notes service.
class NotesApp < Sinatra::Base
  NOTES = []

  get "/healthz" do
    content_type :json
    { status: "ok" }.to_json
  end

  get "/notes" do
    content_type :json
    NOTES.to_json
  end

  post "/notes" do
    text = request.body.read.strip
    halt 400, "empty note" if text.empty?
    NOTES << { id: NOTES.size + 1, text: text }
    status 201
    content_type :json
    NOTES.last.to_json
  end
end
