"""In Lambda, importing the app loads neither Powertools nor the X-Ray SDK; the first invocation of a
handler of any kind builds the Tracer (which patches botocore) before the handler runs."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
sys.path.insert(0, "functions")
import app
from chalicelib.notify import events

def tracing_loaded():
    return "aws_xray_sdk" in sys.modules

def powertools_loaded():
    return "aws_lambda_powertools" in sys.modules

seen = {"import": [powertools_loaded(), tracing_loaded()]}
if sys.argv[1] == "stream":
    events.outbox({"Records": []}, None)  # an empty batch: no AWS call
else:
    event = {"resource": "/none", "path": "/none", "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
             "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
             "stageVariables": None, "body": None, "isBase64Encoded": False,
             "requestContext": {"resourcePath": "/none", "httpMethod": "GET", "requestId": "probe",
                                "identity": {"sourceIp": "127.0.0.1"}, "stage": "api", "path": "/api/none"}}
    seen["status"] = app.app(event, None)["statusCode"]
seen["invoked"] = [powertools_loaded(), tracing_loaded()]
print(json.dumps(seen))
"""


def _probe(kind: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", _PROBE, kind], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "", "WS_SECRET_KEY": "cold-start", "AWS_DEFAULT_REGION": "us-east-1",
                              "LAMBDA_TASK_ROOT": "/var/task", "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
                              "POWERTOOLS_METRICS_DISABLED": "true"})
    seen: dict[str, object] = json.loads(out.stdout.splitlines()[-1])
    return seen


def test_a_request_builds_the_tracer_and_the_logger_on_first_use():
    assert _probe("http") == {"import": [False, False], "status": 405, "invoked": [True, True]}


def test_a_stream_handler_builds_the_tracer_too():
    assert _probe("stream") == {"import": [False, False], "invoked": [True, True]}
