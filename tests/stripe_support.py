"""Offline Stripe for the tests: localstripe on loopback, a boundary for Checkout Sessions (which
localstripe does not serve) and webhook events signed with Stripe's scheme.

- ``LocalStripe`` runs ``localstripe`` (PyPI) in a subprocess on 127.0.0.1 and a free port. It
  serves PaymentIntents, charges and refunds for real: amounts, currency, declines, refund state.
- ``CheckoutBoundary`` is the API base the app talks to. It answers ``/v1/checkout/sessions``
  itself, asserting the parameters the app sends (amount in fen, currency, payment methods,
  WeChat Pay's ``client=web``, metadata, idempotency key), and forwards every other request to
  localstripe unchanged. ``pay()`` plays the customer on the Checkout page: it creates and confirms
  a real PaymentIntent on localstripe with the session's amount, currency and metadata.
- ``WebhookCapture`` receives the events localstripe signs and sends itself
  (``payment_intent.succeeded``), to hand them to the app as they arrived.
- ``signed_event()`` builds a Stripe event and its ``Stripe-Signature`` header: HMAC-SHA256 with the
  webhook secret over ``"{timestamp}.{payload}"``, exactly what ``stripe.Webhook`` verifies.
"""

import hashlib
import hmac
import http.client
import json
import secrets
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import stripe

SECRET_KEY = "sk_test_" + "bxqx" * 6
WEBHOOK_SECRET = "whsec_test_" + "bxqx" * 6

#: Run localstripe bound to loopback only, without its pickle file in /tmp (shared machines).
_RUNNER = (
    "import sys\n"
    "from localstripe import resources\n"
    "resources.Store.dump_to_disk = lambda self: None\n"
    "from aiohttp import web\n"
    "from localstripe.server import app\n"
    "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def localstripe_available() -> bool:
    try:
        import localstripe  # noqa: F401
    except ImportError:
        return False
    return True


class LocalStripe:
    """A localstripe server process on 127.0.0.1."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed code
            [sys.executable, "-c", _RUNNER, str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("localstripe exited: " + self.process.stderr.read().decode())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("localstripe did not start within 30 s")

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(SECRET_KEY, base_addresses={"api": self.url})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


def _nest(pairs: list[tuple[str, str]]) -> dict:
    """Decode Stripe's form encoding (``a[b][0][c]=v``) into nested dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def lists(node):
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [lists(node[k]) for k in sorted(node, key=int)]
            return {k: lists(v) for k, v in node.items()}
        return node
    return lists(root)


class CheckoutSessionError(AssertionError):
    """The app sent Checkout Session parameters Stripe (or our contract) would refuse."""


def check_checkout_params(params: dict, idempotency_key: str | None) -> None:
    """The contract of our Checkout Session create call; raises CheckoutSessionError."""
    def need(condition, message):
        if not condition:
            raise CheckoutSessionError(message)

    need(params.get("mode") == "payment", "mode must be payment")
    need(params.get("payment_method_types") == ["card", "alipay", "wechat_pay"],
         f"payment methods {params.get('payment_method_types')}")
    need(params.get("payment_method_options", {}).get("wechat_pay", {}).get("client") == "web",
         "wechat_pay.client must be web")
    items = params.get("line_items") or []
    need(len(items) == 1, "one line item")
    price = items[0].get("price_data", {})
    need(price.get("currency") == "cny", "currency must be cny")
    need(str(price.get("unit_amount", "")).isdigit() and int(price["unit_amount"]) > 0,
         "unit_amount must be a positive integer in fen")
    need(items[0].get("quantity") == "1", "quantity 1")
    payment_id = params.get("metadata", {}).get("payment_id")
    need(payment_id and params.get("client_reference_id") == payment_id,
         "metadata.payment_id and client_reference_id")
    need(params.get("payment_intent_data", {}).get("metadata", {}).get("payment_id") == payment_id,
         "payment_intent_data.metadata.payment_id")
    need(idempotency_key == f"checkout-{payment_id}", f"idempotency key {idempotency_key!r}")
    need("{CHECKOUT_SESSION_ID}" in params.get("success_url", ""), "success_url placeholder")


class CheckoutBoundary:
    """The Stripe API base for the app: Checkout Sessions here, everything else to localstripe."""

    def __init__(self, localstripe: LocalStripe):
        self.localstripe = localstripe
        #: Every accepted create call: (params, idempotency key).
        self.created: list[tuple[dict, str]] = []
        #: Refused create calls with the reason.
        self.refused: list[str] = []
        self.sessions: dict[str, dict] = {}
        self._by_key: dict[str, str] = {}
        self._lock = threading.Lock()
        boundary = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reply(self, status: int, payload: dict | bytes, headers=()):
                body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                body = self._body()
                path = urlsplit(self.path).path
                if path.startswith("/v1/checkout/sessions"):
                    status, payload = boundary._checkout(self.command, path, body, self.headers)
                    return self._reply(status, payload)
                status, payload, headers = boundary._forward(self.command, self.path, body,
                                                             self.headers)
                return self._reply(status, payload, headers)

            do_GET = do_POST = do_DELETE = _handle  # noqa: N815 - http.server's names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        #: The webhooks localstripe signs and sends itself.
        self.webhooks = WebhookCapture(localstripe)

    def stop(self) -> None:
        self.webhooks.stop()
        self.server.shutdown()
        self.server.server_close()

    # -- the Checkout Session endpoints ---------------------------------------------------------
    def _checkout(self, method: str, path: str, body: bytes, headers) -> tuple[int, dict]:
        parts = path.rstrip("/").split("/")
        if method == "POST" and len(parts) == 4:
            params = _nest(parse_qsl(body.decode(), keep_blank_values=True))
            key = headers.get("Idempotency-Key")
            try:
                check_checkout_params(params, key)
            except CheckoutSessionError as error:
                self.refused.append(str(error))
                return 400, {"error": {"type": "invalid_request_error", "message": str(error)}}
            with self._lock:
                if key in self._by_key:  # Stripe replays the first answer to a repeated key
                    return 200, self.sessions[self._by_key[key]]
                session_id = "cs_test_" + secrets.token_hex(12)
                price = params["line_items"][0]["price_data"]
                session = {
                    "id": session_id, "object": "checkout.session", "mode": "payment",
                    "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                    "amount_total": int(price["unit_amount"]), "currency": price["currency"],
                    "client_reference_id": params["client_reference_id"],
                    "metadata": params["metadata"], "payment_intent": None,
                    "payment_status": "unpaid", "status": "open",
                    "payment_method_types": params["payment_method_types"],
                    "_payment_intent_data": params["payment_intent_data"],
                }
                self.sessions[session_id] = session
                self._by_key[key] = session_id
                self.created.append((params, key))
            return 200, self._public(session)
        if method == "GET" and len(parts) == 5 and parts[4] in self.sessions:
            return 200, self._public(self.sessions[parts[4]])
        return 404, {"error": {"type": "invalid_request_error", "message": "No such session"}}

    @staticmethod
    def _public(session: dict) -> dict:
        return {k: v for k, v in session.items() if not k.startswith("_")}

    def _forward(self, method: str, target: str, body: bytes, headers):
        connection = http.client.HTTPConnection("127.0.0.1", self.localstripe.port, timeout=30)
        forwarded = {name: value for name, value in headers.items()
                     if name.lower() in ("authorization", "content-type", "idempotency-key",
                                         "stripe-version")}
        connection.request(method, target, body=body or None, headers=forwarded)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        return response.status, payload, ()

    # -- the customer on the Checkout page ------------------------------------------------------
    def pay(self, session_id: str, payment_method: str = "pm_card_visa") -> dict:
        """Pay a session with a localstripe test card; returns the updated session.

        ``pm_card_visa`` succeeds; ``pm_card_chargeCustomerFail`` is declined (the PaymentIntent
        is left with ``requires_payment_method`` and a ``last_payment_error``).
        """
        session = self.sessions[session_id]
        client = self.localstripe.client()
        intent = client.v1.payment_intents.create({
            "amount": session["amount_total"], "currency": session["currency"],
            "payment_method": payment_method, "payment_method_types": ["card"],
            "metadata": session["_payment_intent_data"]["metadata"]})
        try:
            intent = client.v1.payment_intents.confirm(intent["id"])
        except stripe.CardError:
            intent = client.v1.payment_intents.retrieve(intent["id"])
        session["payment_intent"] = intent["id"]
        paid = intent["status"] == "succeeded"
        session["status"] = "complete"
        session["payment_status"] = "paid" if paid else "unpaid"
        return self._public(session)

    def refund_at_stripe(self, intent_id: str) -> dict:
        """A refund made in Stripe's dashboard (not through the platform)."""
        return self.localstripe.client().v1.refunds.create({"payment_intent": intent_id}).to_dict()

    def charge_of(self, intent_id: str) -> dict:
        intent = self.localstripe.client().v1.payment_intents.retrieve(intent_id).to_dict()
        charge = intent["latest_charge"]
        charge_id = charge["id"] if isinstance(charge, dict) else charge
        return self.localstripe.client().v1.charges.retrieve(charge_id).to_dict()


class WebhookCapture:
    """Receives the webhooks localstripe itself signs and sends (payment_intent.* events), so a
    test can hand them to the app exactly as they arrived."""

    def __init__(self, localstripe: LocalStripe, secret: str = WEBHOOK_SECRET):
        self.received: list[tuple[bytes, str]] = []
        self._condition = threading.Condition()
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with capture._condition:
                    capture.received.append((body, self.headers.get("Stripe-Signature", "")))
                    capture._condition.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        connection = http.client.HTTPConnection("127.0.0.1", localstripe.port, timeout=10)
        connection.request("POST", "/_config/webhooks/capture",
                           body=json.dumps({"url": url, "secret": secret}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 200, f"localstripe refused the webhook endpoint: {response.status}"

    def wait_for(self, event_type: str, object_id: str, timeout: float = 20) -> tuple[bytes, str]:
        """The first delivery of ``event_type`` about ``object_id`` (payload, signature header)."""
        def find():
            for body, signature in self.received:
                event = json.loads(body)
                if event["type"] == event_type and event["data"]["object"]["id"] == object_id:
                    return body, signature
            return None
        with self._condition:
            found = self._condition.wait_for(find, timeout=timeout)
        if not found:
            raise AssertionError(f"localstripe sent no {event_type} for {object_id}")
        return found

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def signed_event(event_type: str, obj: dict, *, secret: str = WEBHOOK_SECRET,
                 timestamp: int | None = None, event_id: str | None = None) -> tuple[bytes, str]:
    """A Stripe event and its ``Stripe-Signature`` header (t=..., v1=HMAC-SHA256)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    event = {"id": event_id or "evt_" + secrets.token_hex(12), "object": "event",
             "api_version": stripe.api_version, "created": timestamp, "livemode": False,
             "type": event_type, "data": {"object": obj}, "pending_webhooks": 1,
             "request": {"id": None, "idempotency_key": None}}
    payload = json.dumps(event).encode()
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload,
                         hashlib.sha256).hexdigest()
    return payload, f"t={timestamp},v1={signature}"
