"""One module per screen (with its .tcss beside it); screens call services, never devices or HTTP."""
