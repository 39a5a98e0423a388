"""The security headers of every answer, read from their one source: the CDN's response headers
policy in infra/portal.yaml (SecurityHeadersPolicy). In AWS CloudFront adds them; locally
tools/front.py and the browser tests' server send the same, so pages run under the production
content security policy everywhere.

The policy names AWS endpoints the pages talk to (the uploads bucket, Cognito) as `https://${...}`
sources; locally moto's server stands for all of them, and where nothing does they are left out."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "portal.yaml"
_KNOWN = {"StrictTransportSecurity", "ContentTypeOptions", "FrameOptions", "ReferrerPolicy", "XSSProtection",
          "ContentSecurityPolicy"}


@functools.cache
def policy_config() -> dict[str, Any]:
    doc = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    config: dict[str, Any] = doc["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    return config


def content_security_policy(aws_origin: str | None = None) -> str:
    """The policy's CSP with each AWS endpoint source replaced by aws_origin (or dropped)."""
    csp = policy_config()["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    text = csp["Fn::Sub"] if isinstance(csp, dict) else csp
    directives = []
    for directive in " ".join(text.split()).split(";"):
        sources: list[str] = []
        for token in directive.split():
            source = (aws_origin if "${" in token else token)
            if source and source not in sources:
                sources.append(source)
        if sources:
            directives.append(" ".join(sources))
    return "; ".join(directives)


def headers(aws_origin: str | None = None) -> dict[str, str]:
    """Header name to value, as CloudFront sends them for the policy."""
    config = policy_config()
    security = config["SecurityHeadersConfig"]
    unknown = set(security) - _KNOWN
    if unknown:
        raise ValueError(f"{TEMPLATE.name}: security headers the local servers do not send yet: {sorted(unknown)}")
    out: dict[str, str] = {}
    if hsts := security.get("StrictTransportSecurity"):
        out["Strict-Transport-Security"] = (f"max-age={hsts['AccessControlMaxAgeSec']}"
                                            + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else "")
                                            + ("; preload" if hsts.get("Preload") else ""))
    if "ContentTypeOptions" in security:
        out["X-Content-Type-Options"] = "nosniff"
    if frame := security.get("FrameOptions"):
        out["X-Frame-Options"] = frame["FrameOption"]
    if referrer := security.get("ReferrerPolicy"):
        out["Referrer-Policy"] = referrer["ReferrerPolicy"]
    if xss := security.get("XSSProtection"):
        out["X-XSS-Protection"] = ("1; mode=block" if xss.get("ModeBlock") else "1") if xss["Protection"] else "0"
    if "ContentSecurityPolicy" in security:
        out["Content-Security-Policy"] = content_security_policy(aws_origin)
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        out[item["Header"]] = item["Value"]
    return out
