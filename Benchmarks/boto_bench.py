"""Signing rates of boto 2.49's FPS module, the peer client, over the inputs fps-bench signs.

Run inside the venv that Benchmarks/run.sh creates. The connection object is built with
dummy credentials and host 127.0.0.1 and only its signing functions are called, so nothing
opens a socket. Prints one JSON line.
"""
import json
import sys
import time

from boto.fps.connection import FPSConnection

# The same values as SigningInputs in Benchmarks/fps-bench/SigningBench.swift.
ACCESS_KEY = "AKSANDBOXDEMO0000001"
SECRET_KEY = "fpsSandboxDemoSecret/NotForProduction+00"
CBUI = dict(returnURL="http://127.0.0.1/fps-checkout/return", pipelineName="SingleUse",
            callerReference="desk1-000123-1", transactionAmount="68.97", currencyCode="USD",
            paymentReason="Phone order 123", version="2009-01-09")
PAY = {"Action": "Pay", "Version": "2010-08-28",
       "SenderTokenId": "SANDBOXTOKEN0000000000000000000000000000000000000000000000001",
       "CallerReference": "desk1-000123-1-pay", "TransactionAmount.Value": "68.97",
       "TransactionAmount.CurrencyCode": "USD"}


def rate(seconds, body):
    calls = 0
    start = time.perf_counter()
    while True:
        for _ in range(16):
            body()
        calls += 16
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0.4
    connection = FPSConnection(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                               host="127.0.0.1", port=8080, is_secure=False)
    handler = connection._auth_handler
    if type(handler).__name__ != "QuerySignatureV2AuthHandler":
        raise SystemExit("boto picked %s, not QuerySignatureV2AuthHandler" % type(handler).__name__)

    def cbui():
        return connection.cbui_url(**CBUI)

    def api():
        # What FPSConnection.get_object does before sending: build the request, then add_auth
        # sets AWSAccessKeyId, SignatureVersion and Timestamp and calls _calc_signature.
        request = connection.build_base_http_request("POST", "/", None, params=PAY, headers={}, data="",
                                                     host=connection.host)
        handler.add_auth(request)
        return request.body

    cbui_rates, api_rates = [], []
    for _ in range(rounds):
        cbui_rates.append(rate(seconds, cbui))
        api_rates.append(rate(seconds, api))
    cbui_rates.sort()
    api_rates.sort()
    print(json.dumps({"measure": "boto", "cbui_per_s": cbui_rates[len(cbui_rates) // 2],
                      "api_per_s": api_rates[len(api_rates) // 2], "rounds": rounds,
                      "round_seconds": seconds, "python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
