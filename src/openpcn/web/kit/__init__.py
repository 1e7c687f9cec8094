"""What every route module shares, one module per role: `pages` (the Jinja environment and
`render`), `downloads` (CSV and file answers), `cache` (the per-app answer cache),
`connections` (the warehouse pool and the app DB as dependencies), `params` (the API prefix
and the shared query and path parameters), `navigation` (each role's home page and menu, and
`may_open` for links) and `access` (the role tuples and the scope checks that open a PCN, a
practice or an ICS).

Route modules import the kit; the kit never imports a route module or `openpcn.web.app`, so
app.py stays wiring only (model: datasette, whose views render through one base).
"""
