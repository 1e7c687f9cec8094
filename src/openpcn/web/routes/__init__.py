"""Routers, one module or package per capability; `openpcn.web.app` includes each `router`.

A capability's package splits its `models` (the API's response models), `answers` (capability
calls, caching and scope), `pages` and `api`; what several share is in `openpcn.web.kit`.
"""
