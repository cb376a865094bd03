"""Folders: a user's named, coloured groups of chats."""

from __future__ import annotations

import re
from datetime import datetime

import msgspec

from chatport.domain.errors import FieldProblem, InvalidInput

NAME_MIN, NAME_MAX = 1, 50
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class Folder(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    user_id: int
    name: str
    color: str | None
    position: int
    is_collapsed: bool
    created_at: datetime
    updated_at: datetime


def check_folder_name(name: str) -> str:
    trimmed = name.strip()
    if not NAME_MIN <= len(trimmed) <= NAME_MAX:
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "too_short" if not trimmed else "too_long",
                    f"Folder name must be {NAME_MIN} to {NAME_MAX} characters",
                    ("name",),
                ),
            ),
        )
    return trimmed


def check_color(color: str | None) -> str | None:
    if color is None:
        return None
    if not _COLOR.match(color):
        raise InvalidInput(
            "Invalid input",
            (FieldProblem("invalid_string", "Color must look like #RRGGBB", ("color",)),),
        )
    return color.upper()
