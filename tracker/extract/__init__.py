"""Rule-based, versioned extraction of claim reports from German and English text."""

from tracker.domain.dates import split_date_prefix

from .language import detect_language
from .pipeline import EXTRACTOR_VERSION, ExtractionResult, extract, load_rules

__all__ = ["EXTRACTOR_VERSION", "ExtractionResult", "detect_language", "extract", "load_rules", "split_date_prefix"]
