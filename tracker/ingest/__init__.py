"""Ingestion: seed files and feeds -> documents -> events.

- config:    feeds.yaml, validated (one clear line per problem)
- fetch:     bytes from http(s) or a local file, politely and within limits
- entries:   feed bytes -> document candidates (ids, plain text, dates)
- documents: a candidate -> one append holding the document and its claim reports
- state:     each feed's schedule, validators, errors and lease (table `feeds`)
- poll:      one poll of one feed, end to end
- runner:    `tracker ingest` (once) and `tracker run` (scheduled)
- seed:      seed articles
"""
