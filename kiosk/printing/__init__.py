"""Slips to PDF (reportlab, embedded CJK TrueType font, vector QR) and the printers behind one protocol."""
