"""The first bytes of each kind of file, as real files start: for the tests of
uploads and of the rules that type them."""

from __future__ import annotations

import struct

JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
GIF_HEAD = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04"
WEBP_HEAD = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"
BMP_HEAD = b"BM" + struct.pack("<IHHII", 70, 0, 0, 54, 40) + struct.pack("<ii", 1, 1)
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
SVG_BODY = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1"/>'
HTML_BODY = b"<!DOCTYPE html>\n<html><head><title>x</title></head><body>hi</body></html>"
XML_BODY = b'<?xml version="1.0" encoding="UTF-8"?>\n<note><to>you</to></note>'
EXE_HEAD = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\0" * 40
