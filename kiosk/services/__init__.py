"""Use cases the screens call, one module each; no Textual, no widgets."""
