"""Record slips (SLIP_SPEC.md): serial, check code, signed CBOR payload, blob and QR text, verification.

Pure code — no web, no database — so the backend, the kiosk and offline verifiers share one implementation.
"""
