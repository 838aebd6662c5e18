"""A small OpenID Connect provider for the tests: discovery, keys, an authorization
endpoint that signs in whoever the test says (no login page), a token endpoint issuing an
RS256 ID token with the request's nonce, and userinfo. Served on 127.0.0.1 from a thread.

It is a real peer over HTTP: the portal discovers it, redirects the browser to it,
exchanges the code at its token endpoint and checks the ID token's signature against its
published keys, as with the department's identity provider."""

import secrets
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server


class Provider:
    def __init__(self, client_id="portal", client_secret="portal-secret"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        # Who signs in at the next authorization: the claims the ID token carries.
        self.person = {"sub": "someone", "email": "someone@example.gov.au", "email_verified": True}
        self.codes = {}
        self.issuer = None

    def app(self):
        app = Flask("oidc-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                userinfo_endpoint=f"{self.issuer}/userinfo",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                token_endpoint_auth_methods_supported=[
                    "client_secret_basic",
                    "client_secret_post",
                ],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            if request.args.get("client_id") != self.client_id:
                abort(400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "nonce": request.args.get("nonce"),
                "person": dict(self.person),
                "redirect_uri": request.args["redirect_uri"],
            }
            query = urlencode({"code": code, "state": request.args.get("state", "")})
            return redirect(f"{request.args['redirect_uri']}?{query}")

        @app.post("/token")
        def token():
            auth = request.authorization
            client_id = auth.username if auth else request.form.get("client_id")
            secret = auth.password if auth else request.form.get("client_secret")
            if (client_id, secret) != (self.client_id, self.client_secret):
                return jsonify(error="invalid_client"), 401
            grant = self.codes.pop(request.form.get("code"), None)
            if grant is None or grant["redirect_uri"] != request.form.get("redirect_uri"):
                return jsonify(error="invalid_grant"), 400
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "aud": self.client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
                **grant["person"],
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
            return jsonify(
                access_token=secrets.token_urlsafe(16),
                token_type="Bearer",
                expires_in=300,
                id_token=id_token,
            )

        @app.get("/userinfo")
        def userinfo():
            return jsonify(self.person)

        return app


@contextmanager
def running_provider():
    provider = Provider()
    server = make_server("127.0.0.1", 0, provider.app(), threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=5)
