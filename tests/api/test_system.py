import json

from chalicelib.core import api


def test_health_reports_engine_and_table(client, moto_table):
    response = client.http.get("/health")
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body == {"status": "ok", "engine": "moto", "table": {"name": moto_table, "status": "ACTIVE"}}


def test_health_is_503_when_the_table_is_missing(client, moto_table):
    import boto3

    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName=moto_table)
    response = client.http.get("/health")
    assert response.status_code == 503
    assert json.loads(response.body)["table"]["status"] == "MISSING"


def test_every_route_is_in_the_openapi_description(client):
    from app import app

    spec = json.loads(client.http.get("/openapi.json").body)
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    routed = {(path, method) for path, methods in app.routes.items() for method in methods}
    assert routed == documented
    assert len(routed) == len(api.REGISTRY)


def test_openapi_problem_responses_are_described(client):
    spec = json.loads(client.http.get("/openapi.json").body)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert "400" in op["responses"], (path, method)
            ref = op["responses"]["400"]["$ref"].rsplit("/", 1)[1]
            assert "application/problem+json" in spec["components"]["responses"][ref]["content"]
