"""Online connectors: World Bank (WDI API v2), UN Comtrade (API v1) and IMF (IMTS on SDMX 3.0).

Each connector's `fetch(store, ...)` builds its requests, fetches them through `http.Fetcher` (on-disk
cache, retries with backoff, Retry-After, bounded concurrency, offline mode), normalises the rows to
the store's tidy tables and imports them through the one transactional path (`ingest.base.run_import`)
with provenance (request URLs, retrieval time, combined sha256 of the responses). See docs/sources.md.
"""
