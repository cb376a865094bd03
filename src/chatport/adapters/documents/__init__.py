"""Document readers: text out of attached documents."""

from chatport.adapters.documents.pdf import PypdfDocumentReader

__all__ = ["PypdfDocumentReader"]
