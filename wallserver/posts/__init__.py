"""The post domain: what a post is (``records``), how the rules judge it (``judge``), and the one
path every new post takes (``pipeline``: lookup, re-host, judge, durable write, publish).

This package imports nothing on purpose: ``wallserver.posts.records`` must load without the
store, so connector parsers stay free of SQLAlchemy.
"""
