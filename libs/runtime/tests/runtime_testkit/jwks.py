"""A real JWKS endpoint on 127.0.0.1:<free port> whose keys a test can rotate, counting the requests it serves."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

JWKS_PATH = "/auth/v1/.well-known/jwks.json"


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: Any

    @classmethod
    def es256(cls, kid: str | None = None) -> SigningKey:
        return cls(kid or f"es-{uuid.uuid4().hex[:8]}", "ES256", ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def rs256(cls, kid: str | None = None) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"rs-{uuid.uuid4().hex[:8]}", "RS256", key)

    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.algorithms.ECAlgorithm if self.alg == "ES256" else jwt.algorithms.RSAAlgorithm
        entry = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**entry, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, Any], *, kid: str | None = None, alg: str | None = None) -> str:
        return jwt.encode(claims, self.private, algorithm=alg or self.alg, headers={"kid": kid or self.kid})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(claims: dict[str, Any], header: dict[str, Any], hmac_key: bytes | None) -> str:
    """A JWT built by hand: PyJWT refuses to make the forgeries we need (HS256 keyed with a PEM, alg none)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = (
        b"" if hmac_key is None else hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    )
    return f"{signing_input}.{_b64(signature)}"


@dataclass
class JwksServer:
    """Serves `document` (JSON, or `status` with a garbage body) at JWKS_PATH; 404 elsewhere."""

    document: Any = field(default_factory=lambda: {"keys": []})
    status: int = 200
    requests: int = 0
    _httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def publish(self, *keys: SigningKey, extra: list[Any] | None = None) -> None:
        self.document = {"keys": [k.jwk() for k in keys] + (extra or [])}
        self.status = 200

    def reset(self) -> None:
        self.document, self.status, self.requests = {"keys": []}, 200, 0

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != JWKS_PATH:
                    self.send_error(404)
                    return
                owner.requests += 1
                body = json.dumps(owner.document).encode() if owner.status == 200 else b"<html>oops"
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()


def claims_for(issuer: str, **overrides: Any) -> dict[str, Any]:
    """Claims shaped like a Supabase access token for a signed-in user."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "aud": "authenticated",
        "role": "authenticated",
        "iss": issuer,
        "iat": now,
        "exp": now + 600,
        "app_metadata": {"provider": "email"},
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}
