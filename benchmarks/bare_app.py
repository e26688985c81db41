"""The framework's ceiling: a minimal Flask app served like Ideenwerkstatt in `make bench`."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hallo"
