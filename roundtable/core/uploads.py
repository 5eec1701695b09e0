"""What an uploaded file is: its first bytes, not the type its sender claims."""
from __future__ import annotations


def looks_like_image(data: bytes, content_type: str | None) -> bool:
    """The file's first bytes match the type the phone claimed (a page sent as "image/png" is refused)."""
    if content_type == "image/jpeg":
        return data[:3] == b"\xff\xd8\xff"
    if content_type == "image/png":
        return data[:8] == b"\x89PNG\r\n\x1a\n"
    if content_type == "image/webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return False
