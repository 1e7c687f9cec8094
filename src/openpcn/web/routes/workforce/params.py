"""The workforce routes' own parameter: the date the hierarchy and staff are read on."""

from __future__ import annotations

from openpcn.web.kit.params import DAY, date_type

StaffDate = date_type("the date the hierarchy and staff are read on (YYYY-MM-DD)", examples=[DAY])
