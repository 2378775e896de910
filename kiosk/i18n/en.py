"""English message catalog (the second language)."""

MESSAGES: dict[str, str] = {
    "app.title": "Social Security Self-Service",
    "attract.insert_card": "Please insert your social security card",
    "attract.insert_hint": "Insert the card chip side up into the reader",
    "attract.connecting": "Connecting to the service…",
    "status.kiosk": "Kiosk {kiosk_id}",
    "status.online": "Online",
    "status.connecting": "Connecting",
    "status.offline": "Service interrupted",
    "oos.title": "Out of service",
    "oos.body": "This kiosk cannot serve you right now. Please go to a service counter or try again later.",
    "oos.hotline": "Hotline 12333",
    "oos.code": "Fault code {code}",
    "error.backend_unreachable": "The records system cannot be reached",
}
