"""Pydantic models built from data known to be valid, without validation."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__


def trusted(cls: type[M], values: dict[str, Any], fields_set: set[str]) -> M:
    """What `cls.model_construct(_fields_set=fields_set, **values)` builds, for a model
    without extra fields, private attributes or post-init, when `values` holds every field
    in declaration order. model_construct looks up aliases and defaults field by field,
    which costs more than validating; this sets the instance state directly."""
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model
