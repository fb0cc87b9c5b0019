"""The only place that builds queries. The API and the hub call these named operations."""

from wallserver.posts.records import EventInfo, NewPost, PostRecord, Principal
from wallserver.store.database import Database

__all__ = ["Database", "EventInfo", "NewPost", "PostRecord", "Principal", "Store"]

from wallserver.store.facade import Store
