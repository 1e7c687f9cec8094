"""Account administration (admins only): users (add, disable, enable, remove, reset a
password, change role and scope) and API tokens (list, revoke by id). `pages` hold the forms,
`api` the JSON lists beside them, over the `answers` they share and the API's `models`.

Every change goes through `openpcn.store.appdb` with the admin as its `Actor`, which writes the
audit row and ends the account's sessions where the change calls for it.
"""

from fastapi import APIRouter

from openpcn.web.routes.accounts import api, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
