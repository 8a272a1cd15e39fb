from src.app import app


def test_health():
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}
