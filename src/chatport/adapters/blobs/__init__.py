"""Blob stores: where uploaded files' bytes live."""

from chatport.adapters.blobs.filesystem import FilesystemBlobStore

__all__ = ["FilesystemBlobStore"]
